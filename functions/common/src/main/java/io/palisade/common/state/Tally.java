package io.palisade.common.state;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Run-level lists that would grow with the number of accounts, kept to a size that does not:
 * the payload carries them to every later state (Step Functions' 256 KB quota), and at 300
 * accounts the teardown's list alone was 24 KB. The full lists are in the function's log.
 */
public final class Tally {
    /** Account keys a grouped line names before it says how many more. */
    static final int NAMED = 10;
    private static final String IN = " in ";

    private Tally() {}

    /** Calls counted: {@code ["Iam:CreateRole", "Iam:CreateRole"]} becomes {@code ["Iam:CreateRole x2"]}, first-seen order. */
    public static List<String> counted(List<String> calls) {
        if (calls == null) {
            return null;
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        calls.forEach(c -> counts.merge(c, 1, Integer::sum));
        List<String> out = new ArrayList<>();
        counts.forEach((call, n) -> out.add(n == 1 ? call : call + " x" + n));
        return List.copyOf(out);
    }

    /**
     * Lines {@code "<what> in <account key>"} grouped by what: one account keeps its line, several
     * become {@code "<what> in 300 accounts: infosec, prod-001, ... and 290 more"}. Other lines stay.
     */
    public static List<String> grouped(List<String> lines) {
        if (lines == null) {
            return null;
        }
        Map<String, List<String>> byWhat = new LinkedHashMap<>();
        for (String line : lines) {
            int at = line.lastIndexOf(IN);
            String what = at < 0 ? line : line.substring(0, at);
            String key = at < 0 ? null : line.substring(at + IN.length());
            if (key == null || key.contains(" ")) {
                byWhat.computeIfAbsent(line, k -> new ArrayList<>());
            } else {
                byWhat.computeIfAbsent(what, k -> new ArrayList<>()).add(key);
            }
        }
        List<String> out = new ArrayList<>();
        byWhat.forEach((what, keys) -> {
            if (keys.isEmpty()) {
                out.add(what);
            } else if (keys.size() == 1) {
                out.add(what + IN + keys.get(0));
            } else {
                String named = String.join(", ", keys.subList(0, Math.min(NAMED, keys.size())));
                out.add(what + IN + keys.size() + " accounts: " + named
                        + (keys.size() > NAMED ? " and " + (keys.size() - NAMED) + " more" : ""));
            }
        });
        return List.copyOf(out);
    }
}
