package io.palisade.teardown;

import io.palisade.common.state.RunResult;

import io.palisade.common.Json;
import io.palisade.common.Names;
import io.palisade.common.aws.AwsErrors;
import io.palisade.common.aws.Clients;
import io.palisade.common.aws.OrganizationAccess;
import io.palisade.common.config.OrgConfig;
import io.palisade.common.errors.TransientAwsException;
import io.palisade.common.state.AccountRef;
import io.palisade.common.state.BatchSummary;
import io.palisade.common.state.RunState;
import io.palisade.common.state.RunStore;
import io.palisade.common.state.StateRecord;
import io.palisade.common.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The end of every successful run (bootstrap, drift, plan): gathers every change line of the run
 * (the organization's from the payload, each account's from its full report in the run bucket,
 * which the payload's summaries name), renders the run's report as JSON and Markdown, stores both in the state bucket
 * ({@code reports/<runId>.json}, {@code reports/<runId>.md}), records the run's change count and
 * report key in the state record's bounded history, and returns the digest the state machine
 * publishes to the run topic.
 *
 * <p>It never touches the lock: a plan-only run (mode {@code plan}, or {@code drift} without
 * {@code repair: true}) takes none, and a changing run has released its own in the teardown. The
 * history entry is written with the state store's conditional write, so a concurrent run's write
 * is re-read, never overwritten.
 *
 * <p>An organization that is not bootstrapped yet (a plan) has no state bucket: nothing is stored,
 * and the result says so ({@code stored=false} and the reason).
 */
public final class RunReport {
    private static final Logger LOG = LoggerFactory.getLogger(RunReport.class);

    /** Where the reports go in the state bucket. */
    public static final String PREFIX = Names.REPORT_PREFIX;
    /** Account key of the organization-level changes ({@code org.changes}: accounts created, ...). */
    public static final String ORGANIZATION = "organization";
    public static final String PLAN = "plan";
    static final String SUCCEEDED = "SUCCEEDED";

    /** Change lines the digest lists at most; the full report has the rest. */
    static final int DIGEST_LINES = 200;
    /**
     * The digest's size at most, in UTF-8 bytes. SNS takes 256 KB, but the digest also travels in
     * the state machine's payload (256 KB for all of it), next to every phase's report: 32 KB
     * leaves both a wide margin.
     */
    static final int DIGEST_BYTES = 32 * 1024;
    /**
     * A change line longer than this is cut in the digest. Long enough for a trust or bucket policy
     * of a few statements as expected and actual (the drift a reader must see whole: a trust opened
     * to {@code "*"} is at the end of the line); a longer one is in the stored report.
     */
    static final int DIGEST_LINE_CHARS = 2_000;
    /** SNS: at most 100 printable ASCII characters. */
    static final int SUBJECT_CHARS = 100;

    /** A change line ({@code + ~ -}) or a finding ({@code !}: e.g. a member root's access key), not counted as a change. */
    private static final Pattern CHANGE_LINE = Pattern.compile("^([+~!-]) \\S.*", Pattern.DOTALL);

    // ---- the input: the parts of the state machine's payload this phase reads -------------------

    /**
     * The payload at the end of a run. Unknown fields are ignored; every part may be missing
     * (a plan of an organization that does not exist yet has no identity account id).
     */
    public record Input(String mode, Boolean repair, OrgConfig config, RunState.Run run, RunState.Org org,
                        RunState.StateRef state, RunState.Applied identityApplied, List<BatchSummary> applied,
                        List<BatchSummary> alarms) {

        public String runId() {
            return run == null || run.id() == null || run.id().isBlank() ? "manual" : run.id();
        }

        public String modeOrDefault() {
            return mode == null || mode.isBlank() ? RunState.BOOTSTRAP : mode;
        }

        public boolean repairs() {
            return Boolean.TRUE.equals(repair);
        }

        /** Mode {@code plan}, or {@code drift} without {@code repair: true}: the run changed nothing. */
        public boolean planOnly() {
            String m = modeOrDefault();
            return PLAN.equals(m) || (RunState.DRIFT.equals(m) && !repairs());
        }
    }

    /** What any per-account phase's full report has that the report needs (AccountReport, AlarmReport). */
    public record Section(String key, String accountId, List<String> changes, List<Problem> problems) {}

    /** A named error in the config's terms ({@code AccountReport.Problem}). */
    public record Problem(String error, String field, String message) {}

    // ---- the report ------------------------------------------------------------------------------

    public record Counts(int add, int change, int remove, int total) {}

    /** One account's part of the report: its change lines (in the order the phases returned them) and problems. */
    public record Account(String key, String accountId, List<String> changes, List<Problem> problems,
                          Counts counts) {}

    /**
     * The JSON report, stored as {@code reports/<runId>.json}. {@code applied}: whether the changes
     * were made (bootstrap, drift with repair) or only found (plan, drift without repair).
     */
    public record Document(String runId, String mode, boolean repair, boolean applied, String status,
                           String organization, String executionArn, String startedAt, String endedAt,
                           String summary, Counts counts, List<Account> accounts) {}

    private final Clients clients;
    private final RunStore runs;

    public RunReport(Clients clients) {
        this(clients, RunStore.fromEnvironment(clients));
    }

    RunReport(Clients clients, RunStore runs) {
        this.clients = clients;
        this.runs = runs;
    }

    public RunResult apply(Input input) {
        clients.calls().drain();
        String endedAt = Instant.now().toString();
        Document doc = build(input, sections(input, runs), endedAt);
        String runId = doc.runId();
        String jsonKey = PREFIX + keySafe(runId) + ".json";
        String markdownKey = PREFIX + keySafe(runId) + ".md";

        Where where = locate(input);
        Stored outcome = where.bucket() == null ? new Stored(false, false, where.reason())
                : store(s3In(input.config(), where.accountId()), where.bucket(), doc, jsonKey, markdownKey);
        boolean stored = outcome.stored();
        boolean recorded = outcome.recorded();
        String reason = outcome.reason();
        String bucket = stored ? where.bucket() : null;
        String location = stored ? "s3://" + bucket + "/" + markdownKey : null;
        LOG.info("Run {} report: {} (stored: {}{})", runId, doc.summary(), stored, reason == null ? "" : "; " + reason);
        Counts c = doc.counts();
        return new RunResult(doc.status(), doc.mode(), doc.repair(), c.add(), c.change(), c.remove(), c.total(),
                input.planOnly() && c.total() > 0, bucket, stored ? jsonKey : null, stored ? markdownKey : null,
                stored, recorded, reason, subject(doc), digest(doc, location, reason));
    }

    /** What became of the report in the state bucket; {@code reason} says what did not happen. */
    record Stored(boolean stored, boolean recorded, String reason) {}

    /**
     * Writes both reports to {@code bucket} and this run's history entry to the state record there.
     * A transient failure is thrown (the state machine retries the phase); any other failure
     * (a denied call, a record that kept changing) leaves the report unstored or unrecorded and
     * says why: the digest still goes out, and tells where it could not be kept.
     */
    static Stored store(S3Client s3, String bucket, Document doc, String jsonKey, String markdownKey) {
        try {
            if (!exists(s3, bucket)) {
                return new Stored(false, false, "the state bucket s3://" + bucket + " does not exist yet (the"
                        + " organization is not bootstrapped): the report was not stored");
            }
            String location = "s3://" + bucket + "/" + markdownKey;
            s3.putObject(r -> r.bucket(bucket).key(jsonKey).contentType("application/json"),
                    RequestBody.fromString(Json.write(doc), StandardCharsets.UTF_8));
            s3.putObject(r -> r.bucket(bucket).key(markdownKey).contentType("text/markdown; charset=utf-8"),
                    RequestBody.fromString(markdown(doc, location), StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            return new Stored(false, false, "the report could not be stored in s3://" + bucket + ": "
                    + permanent(e));
        }
        try {
            return record(new StateStore(s3, bucket), doc, markdownKey) ? new Stored(true, true, null)
                    : new Stored(true, false, "the state bucket has no state record yet: the run is not in its history");
        } catch (RuntimeException e) {
            return new Stored(true, false, "the run could not be recorded in the state record's history: "
                    + permanent(e));
        }
    }

    /** {@code e}'s description when it is permanent; a transient failure is thrown, for the state machine to retry. */
    private static String permanent(RuntimeException e) {
        RuntimeException classified = AwsErrors.classify(e);
        if (classified instanceof TransientAwsException || AwsErrors.isTransient(classified)) {
            throw classified;
        }
        LOG.warn("Run report: {}", classified.toString());
        String code = AwsErrors.code(classified);
        return (code == null ? classified.getClass().getSimpleName() : code) + " (" + classified.getMessage() + ")";
    }

    /** The state bucket and the account it is in, or why there is none to look at. */
    record Where(String accountId, String bucket, String reason) {}

    /**
     * The state record's location: the payload's {@code state} when migrate-state ran, else the
     * bucket the config names in the identity account (a plan-only run, which never migrates).
     */
    static Where locate(Input input) {
        if (input.state() != null && input.state().accountId() != null && input.state().bucket() != null) {
            return new Where(input.state().accountId(), input.state().bucket(), null);
        }
        OrgConfig config = input.config();
        if (config == null || config.organization() == null || config.organization().name() == null) {
            return new Where(null, null, "the run has no config naming the organization: the report was not stored");
        }
        String identity = identityAccountId(input);
        if (identity == null) {
            return new Where(null, null, "the identity account '" + config.identityAccount()
                    + "' does not exist yet (the organization is not bootstrapped): the report was not stored");
        }
        return new Where(identity, Names.stateBucket(config.organization().name(), identity), null);
    }

    private static String identityAccountId(Input input) {
        RunState.Org org = input.org();
        if (org == null) {
            return null;
        }
        if (org.identity() != null && org.identity().accountId() != null) {
            return org.identity().accountId();
        }
        String key = input.config().identityAccount();
        if (org.accounts() != null && key != null) {
            for (AccountRef a : org.accounts()) {
                if (key.equals(a.key()) && a.id() != null) {
                    return a.id();
                }
            }
        }
        return null;
    }

    /** S3 in the identity account, in the organization's home region (where migrate-state made the bucket). */
    private S3Client s3In(OrgConfig config, String identityAccountId) {
        var creds = OrganizationAccess.memberAccounts(clients).in(identityAccountId);
        Clients home = clients.inHomeRegion(config);
        return home.cached("s3|" + identityAccountId + "|org", () -> home.s3(creds));
    }

    private static boolean exists(S3Client s3, String bucket) {
        try {
            s3.headBucket(r -> r.bucket(bucket));
            return true;
        } catch (NoSuchBucketException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Adds or replaces this run's history entry (its change count and report key) with a
     * conditional write; the lock is left as it is. False when there is no state record.
     */
    private static boolean record(StateStore store, Document doc, String reportKey) {
        StateRecord written = store.modify(null, current -> {
            if (current == null) {
                return null;
            }
            StateRecord.RunEntry entry = current.run(doc.runId());
            if (entry == null) {
                entry = new StateRecord.RunEntry(doc.runId(), doc.mode(),
                        doc.startedAt() == null ? doc.endedAt() : doc.startedAt(), null, null, null, null);
            }
            return current.withRun(entry.end(doc.endedAt(), doc.status(), null, null)
                    .reported(doc.counts().total(), reportKey));
        });
        return written != null;
    }

    // ---- building and rendering (no AWS) ---------------------------------------------------------

    /**
     * Each per-account phase's full report, in the order the run made them (identity account,
     * member accounts, alarms), read from the run bucket by the key its summary names. A summary
     * without one (a phase that stored nothing) counts with its problems and no change lines.
     */
    /**
     * Every account's full report, in the order the phases ran: the identity account's, the
     * members' (batch by batch), then the root-login alarms'. The payload's batch summaries name
     * the keys; the reports are in the run bucket.
     */
    static List<Section> sections(Input input, RunStore runs) {
        List<BatchSummary> summaries = new ArrayList<>();
        if (input.identityApplied() != null && input.identityApplied().report() != null) {
            summaries.add(input.identityApplied().report());
        }
        for (List<BatchSummary> phase : java.util.Arrays.asList(input.applied(), input.alarms())) {
            if (phase != null) {
                summaries.addAll(phase);
            }
        }
        List<Section> sections = new ArrayList<>();
        for (BatchSummary s : summaries) {
            for (String key : s.keys()) {
                sections.add(runs.get(s.reportOf(key), Section.class));
            }
        }
        return sections;
    }

    static Document build(Input input, List<Section> sections, String endedAt) {
        Map<String, String> ids = new LinkedHashMap<>();
        Map<String, List<String>> lines = new LinkedHashMap<>();
        Map<String, List<Problem>> problems = new LinkedHashMap<>();
        RunState.Org org = input.org();
        if (org != null && org.changes() != null) {
            add(ids, lines, problems, new Section(ORGANIZATION, org.managementAccountId(), org.changes(), null));
        }
        sections.forEach(s -> add(ids, lines, problems, s));
        List<Account> accounts = new ArrayList<>();
        for (String key : lines.keySet()) {
            List<String> changes = List.copyOf(lines.get(key));
            List<Problem> found = List.copyOf(problems.get(key));
            if (!changes.isEmpty() || !found.isEmpty()) {
                accounts.add(new Account(key, ids.get(key), changes, found, count(changes)));
            }
        }
        Counts counts = count(accounts.stream().flatMap(a -> a.changes().stream()).toList());
        String mode = input.modeOrDefault();
        boolean applied = !input.planOnly();
        String organization = input.config() == null || input.config().organization() == null ? null
                : input.config().organization().name();
        return new Document(input.runId(), mode, input.repairs(), applied, SUCCEEDED, organization,
                input.run() == null ? null : input.run().executionArn(),
                input.run() == null ? null : input.run().startedAt(), endedAt,
                summary(counts, applied), counts, List.copyOf(accounts));
    }

    private static void add(Map<String, String> ids, Map<String, List<String>> lines,
                            Map<String, List<Problem>> problems, Section section) {
        String key = section.key() != null ? section.key()
                : section.accountId() != null ? section.accountId() : "unknown";
        if (ids.get(key) == null) {
            ids.put(key, section.accountId());
        }
        List<String> into = lines.computeIfAbsent(key, k -> new ArrayList<>());
        List<Problem> found = problems.computeIfAbsent(key, k -> new ArrayList<>());
        if (section.changes() != null) {
            for (String line : section.changes()) {
                // only rendered change and finding lines (+ ~ - !): an older phase's API call names are no changes
                if (line != null && CHANGE_LINE.matcher(line).matches()) {
                    into.add(line);
                }
            }
        }
        if (section.problems() != null) {
            section.problems().stream().filter(p -> p != null).forEach(found::add);
        }
    }

    /** Counts by the first character of each line: {@code +} add, {@code ~} change, {@code -} remove. */
    static Counts count(List<String> lines) {
        int add = 0;
        int change = 0;
        int remove = 0;
        for (String line : lines) {
            switch (line.charAt(0)) {
                case '+' -> add++;
                case '~' -> change++;
                case '-' -> remove++;
                default -> { }
            }
        }
        return new Counts(add, change, remove, add + change + remove);
    }

    /** {@code terraform}'s summary: {@code Plan: 2 to add, 3 to change, 1 to remove.} or, applied, what was done. */
    static String summary(Counts c, boolean applied) {
        if (c.total() == 0) {
            return applied ? "No changes: the organization already matched the config."
                    : "No changes: the organization matches the config.";
        }
        return applied
                ? "Applied: " + c.add() + " added, " + c.change() + " changed, " + c.remove() + " removed."
                : "Plan: " + c.add() + " to add, " + c.change() + " to change, " + c.remove() + " to remove.";
    }

    /** What the run was, for titles: {@code drift run}, {@code drift run (repair)}, {@code plan run}. */
    private static String kind(Document doc) {
        return doc.mode() + (RunState.DRIFT.equals(doc.mode()) && doc.repair() ? " (repair)" : "") + " run";
    }

    private static long changedAccounts(Document doc) {
        return doc.accounts().stream().filter(a -> !a.changes().isEmpty()).count();
    }

    /** The digest's first line and the subject's gist: what the run found or did. */
    static String headline(Document doc) {
        int total = doc.counts().total();
        long accounts = changedAccounts(doc);
        String in = " in " + accounts + (accounts == 1 ? " account" : " accounts");
        if (RunState.DRIFT.equals(doc.mode())) {
            if (total == 0) {
                return "no drift";
            }
            String items = total + (total == 1 ? " drifted item" : " drifted items") + in;
            return doc.applied() ? items + " repaired" : items + " (not repaired; run with repair: true to fix)";
        }
        if (!doc.applied()) {
            return total == 0 ? "no changes to make"
                    : total + (total == 1 ? " change" : " changes") + " to make" + in + " (nothing was changed)";
        }
        return total == 0 ? "no changes needed"
                : total + (total == 1 ? " change" : " changes") + " applied" + in;
    }

    /** The human-readable report, stored as {@code reports/<runId>.md}. */
    static String markdown(Document doc, String location) {
        StringBuilder md = new StringBuilder();
        md.append("# Palisade ").append(kind(doc)).append(' ').append(inline(doc.runId())).append("\n\n");
        md.append(doc.summary()).append("\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "Status", doc.status());
        row(md, "Mode", doc.mode() + (doc.applied() ? " (changes applied)" : " (nothing changed)"));
        if (doc.organization() != null) {
            row(md, "Organization", doc.organization());
        }
        if (doc.startedAt() != null) {
            row(md, "Started", doc.startedAt());
        }
        row(md, "Ended", doc.endedAt());
        if (doc.executionArn() != null) {
            row(md, "Execution", doc.executionArn());
        }
        if (location != null) {
            row(md, "Report", location);
        }
        Counts c = doc.counts();
        row(md, "Changes", c.total() + " (" + c.add() + " +, " + c.change() + " ~, " + c.remove() + " -)");
        for (Account a : doc.accounts()) {
            md.append("\n## ").append(a.key());
            if (a.accountId() != null && !a.accountId().equals(a.key())) {
                md.append(" (").append(a.accountId()).append(')');
            }
            md.append("\n\n");
            if (!a.changes().isEmpty()) {
                Counts ac = a.counts();
                md.append(ac.add()).append(" to add, ").append(ac.change()).append(" to change, ")
                        .append(ac.remove()).append(" to remove").append(doc.applied() ? " (applied)" : "")
                        .append(".\n\n");
                String fence = fence(a.changes());
                md.append(fence).append("diff\n");
                a.changes().forEach(line -> md.append(line).append('\n'));
                md.append(fence).append('\n');
            }
            if (!a.problems().isEmpty()) {
                md.append(a.changes().isEmpty() ? "" : "\n").append("Problems:\n\n");
                for (Problem p : a.problems()) {
                    md.append("- ");
                    if (p.error() != null) {
                        md.append("**").append(p.error()).append("**");
                    }
                    if (p.field() != null) {
                        md.append(" (").append(inline(p.field())).append(')');
                    }
                    if (p.message() != null) {
                        md.append(p.error() == null && p.field() == null ? "" : ": ").append(p.message());
                    }
                    md.append('\n');
                }
            }
        }
        return md.toString();
    }

    private static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    /** {@code `text`}, with a longer backtick run around text that has backticks itself. */
    private static String inline(String text) {
        String ticks = "`".repeat(longestBacktickRun(text) + 1);
        String pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
        return ticks + pad + text + pad + ticks;
    }

    /** A code fence longer than any backtick run in the lines, so no change line can close it. */
    static String fence(List<String> lines) {
        int longest = lines.stream().mapToInt(RunReport::longestBacktickRun).max().orElse(0);
        return "`".repeat(Math.max(3, longest + 1));
    }

    private static int longestBacktickRun(String s) {
        int longest = 0;
        Matcher m = Pattern.compile("`+").matcher(s);
        while (m.find()) {
            longest = Math.max(longest, m.end() - m.start());
        }
        return longest;
    }

    /** The SNS subject: at most 100 printable ASCII characters, no line breaks. */
    static String subject(Document doc) {
        String subject = "Palisade " + doc.mode() + ": " + headline(doc);
        subject = subject.replace("; run with repair: true to fix", "");
        StringBuilder ascii = new StringBuilder();
        for (char ch : subject.toCharArray()) {
            ascii.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
        }
        return ascii.length() <= SUBJECT_CHARS ? ascii.toString()
                : ascii.substring(0, SUBJECT_CHARS - 3) + "...";
    }

    /**
     * The SNS message: the headline, the summary, each change line (they name account and
     * resource themselves) and each problem, then where the full report is. At most
     * {@value #DIGEST_LINES} lines and {@value #DIGEST_BYTES} bytes of them; the rest is counted.
     */
    static String digest(Document doc, String location, String notStored) {
        return digest(doc, location, notStored, DIGEST_LINES, DIGEST_BYTES);
    }

    static String digest(Document doc, String location, String notStored, int maxLines, int maxBytes) {
        StringBuilder out = new StringBuilder();
        out.append("Palisade ").append(kind(doc)).append(' ').append(doc.runId()).append(": ")
                .append(headline(doc)).append('\n');
        out.append(doc.summary()).append('\n');
        List<String> items = new ArrayList<>();
        for (Account a : doc.accounts()) {
            items.addAll(a.changes());
        }
        for (Account a : doc.accounts()) {
            for (Problem p : a.problems()) {
                items.add("! problem in " + a.key() + ": " + (p.error() == null ? "" : p.error() + " ")
                        + (p.field() == null ? "" : "(" + p.field() + ") ")
                        + (p.message() == null ? "" : p.message()));
            }
        }
        String where = location != null ? "Full report: " + location
                : "Report not stored" + (notStored == null ? "." : ": " + notStored);
        // the closing lines' room is kept aside, so the cap never cuts them
        int budget = maxBytes - utf8(out.toString()) - utf8(where) - 200;
        int shown = 0;
        if (!items.isEmpty()) {
            out.append('\n');
        }
        for (String item : items) {
            String line = oneLine(item);
            int size = utf8(line) + 1;
            if (shown >= maxLines || size > budget) {
                break;
            }
            out.append(line).append('\n');
            budget -= size;
            shown++;
        }
        if (shown < items.size()) {
            out.append("... and ").append(items.size() - shown).append(" more (")
                    .append(location != null ? "full report: " + location : "the report was not stored")
                    .append(")\n");
        }
        out.append('\n').append(where).append('\n');
        return out.toString();
    }

    /** One line, at most {@value #DIGEST_LINE_CHARS} characters: a long expected/actual value is cut. */
    private static String oneLine(String item) {
        String line = item.replace('\r', ' ').replace('\n', ' ');
        String cut = " ... (cut; see report)";
        return line.length() <= DIGEST_LINE_CHARS ? line
                : line.substring(0, DIGEST_LINE_CHARS - cut.length()) + cut;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** A run id as an S3 key part: execution names are already safe; anything else becomes {@code _}. */
    static String keySafe(String runId) {
        String safe = runId.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() || safe.chars().allMatch(ch -> ch == '.') ? "_" + safe : safe;
    }
}
