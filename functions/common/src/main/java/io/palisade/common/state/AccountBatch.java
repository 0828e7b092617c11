package io.palisade.common.state;

import io.palisade.common.config.OrgConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The input of one per-account phase invocation: an item of the state machine's Map states, a
 * batch of account keys ({@link PayloadRefs.Batches}) plus the parts of the run payload every
 * account's task needs (config and org resolved from their references by the handler).
 *
 * @param batch  the account keys, at most the batch size; each is a target of {@code org}
 * @param mode   {@code bootstrap} (also when {@code null}), {@code plan} or {@code drift}
 * @param repair for {@code drift}: whether to apply what the plan found; {@code null} is no
 */
public record AccountBatch(
        List<String> batch,
        OrgConfig config,
        RunState.Org org,
        RunState.TempAdmin tempAdmin,
        RunState.Run run,
        String mode,
        Boolean repair) {

    /** One task per key, in the batch's order. */
    public List<AccountTask> tasks() {
        if (batch == null || batch.isEmpty()) {
            throw new IllegalArgumentException("The task has no batch: a Map item names at least one account key");
        }
        if (org == null || org.targets() == null) {
            throw new IllegalArgumentException("The task has no org with targets: run create/await accounts first");
        }
        List<AccountTask> tasks = new ArrayList<>();
        for (String key : batch) {
            RunState.Target target = org.targets().stream().filter(Objects::nonNull)
                    .filter(t -> key.equals(t.key())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("batch names account '" + key
                            + "', which is no target of the run"));
            tasks.add(new AccountTask(target, config, org, tempAdmin, run, mode, repair));
        }
        return tasks;
    }

    public String runId() {
        return run == null ? null : run.id();
    }
}
