package io.palisade.applyaccounts;

import io.palisade.common.Names;
import io.palisade.common.aws.Change;
import io.palisade.common.aws.Plan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.cloudtrail.model.AdvancedEventSelector;
import software.amazon.awssdk.services.cloudtrail.model.AdvancedFieldSelector;
import software.amazon.awssdk.services.cloudtrail.model.EventSelector;
import software.amazon.awssdk.services.cloudtrail.model.GetEventSelectorsResponse;
import software.amazon.awssdk.services.cloudtrail.model.ReadWriteType;

/**
 * Which events Palisade's trail records: every management event, and, when the config asks
 * ({@code cloudTrail.s3DataEvents}, on by default), S3 object-level reads and writes of every
 * bucket (CIS AWS Foundations 7.0 3.8 and 3.9, Security Hub CloudTrail.* / S3.22 and S3.23).
 *
 * <p>Advanced event selectors, because they can leave buckets out: the trail bucket and the
 * access-log bucket are written by CloudTrail and S3 logging themselves, and recording those
 * writes would log the logging (AWS warns against it for the trail's own bucket). Once a trail
 * has advanced selectors, management events are recorded only if a selector says so, so the
 * management selector is always part of what is put: a put without it would blind every CIS
 * metric filter.
 *
 * <p>Cost (AWS CloudTrail pricing): data events are charged per 100,000 delivered ($0.10), so an
 * organization with busy buckets pays for each object read and write; {@code s3DataEvents:
 * false} goes back to management events only.
 */
final class TrailEvents {
    static final String MANAGEMENT = "Management events";
    static final String S3_DATA = "S3 object-level events";

    private TrailEvents() {}

    /** The selectors the trail should have. */
    static List<AdvancedEventSelector> wanted(boolean s3Data, String partition, List<String> excludedBuckets) {
        List<AdvancedEventSelector> wanted = new ArrayList<>();
        wanted.add(AdvancedEventSelector.builder().name(MANAGEMENT)
                .fieldSelectors(field("eventCategory").equalsValue("Management").build()).build());
        if (s3Data) {
            List<AdvancedFieldSelector> fields = new ArrayList<>();
            fields.add(field("eventCategory").equalsValue("Data").build());
            fields.add(field("resources.type").equalsValue("AWS::S3::Object").build());
            if (!excludedBuckets.isEmpty()) {
                fields.add(field("resources.ARN").notStartsWith(excludedBuckets.stream()
                        .map(b -> "arn:" + partition + ":s3:::" + b + "/").sorted().toList()).build());
            }
            wanted.add(AdvancedEventSelector.builder().name(S3_DATA).fieldSelectors(fields).build());
        }
        return wanted;
    }

    private static AdvancedFieldSelector.Builder field(String name) {
        return AdvancedFieldSelector.builder().field(name);
    }

    /**
     * The change that makes the trail record {@code wanted}, if any. A trail that does not exist
     * yet records management events only (CloudTrail's default), so it needs a put only for data
     * events; the put runs after the trail's create (the plan keeps the order).
     */
    static Plan plan(CloudTrailClient cloudTrail, Change.Account account, boolean trailExists,
                     List<AdvancedEventSelector> wanted) {
        Plan plan = new Plan();
        Runnable put = () -> cloudTrail.putEventSelectors(r -> r.trailName(Names.TRAIL).advancedEventSelectors(wanted));
        List<Map<String, Object>> expected = normalize(wanted);
        List<Map<String, Object>> actual = trailExists
                ? current(cloudTrail.getEventSelectors(r -> r.trailName(Names.TRAIL)))
                : normalize(wanted(false, "", List.of()));
        if (expected.equals(actual)) {
            return plan;
        }
        // on a trail to be made, the selectors are part of what a fresh organization gets: a create
        plan.add(trailExists ? Change.update(account, "cloudtrail:event-selectors", Names.TRAIL, "selectors",
                expected, actual) : Change.create(account, "cloudtrail:event-selectors", Names.TRAIL), put);
        return plan;
    }

    /**
     * What the trail records, in the advanced form. A trail with classic selectors is read as
     * the advanced selectors that record the same: the default classic selector (all management
     * events, no data resources) is the management selector; anything else classic is shown as
     * it is, and differs.
     */
    static List<Map<String, Object>> current(GetEventSelectorsResponse response) {
        if (response.hasAdvancedEventSelectors() && !response.advancedEventSelectors().isEmpty()) {
            return normalize(response.advancedEventSelectors());
        }
        List<EventSelector> classic = response.hasEventSelectors() ? response.eventSelectors() : List.of();
        if (classic.isEmpty()) {
            return List.of();
        }
        if (classic.size() == 1 && isDefault(classic.get(0))) {
            return normalize(wanted(false, "", List.of()));
        }
        List<Map<String, Object>> shown = new ArrayList<>();
        for (EventSelector s : classic) {
            Map<String, Object> m = new TreeMap<>();
            m.put("classic", s.readWriteTypeAsString() + " management=" + s.includeManagementEvents()
                    + " data=" + s.dataResources().size());
            shown.add(m);
        }
        return shown;
    }

    private static boolean isDefault(EventSelector s) {
        return s.readWriteType() == ReadWriteType.ALL && Boolean.TRUE.equals(s.includeManagementEvents())
                && (!s.hasDataResources() || s.dataResources().isEmpty())
                && (!s.hasExcludeManagementEventSources() || s.excludeManagementEventSources().isEmpty());
    }

    /** Selector names left out (they are labels), fields and values sorted: equal when they record the same. */
    static List<Map<String, Object>> normalize(List<AdvancedEventSelector> selectors) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (AdvancedEventSelector s : selectors) {
            Map<String, Object> fields = new TreeMap<>();
            for (AdvancedFieldSelector f : s.fieldSelectors()) {
                Map<String, Object> ops = new TreeMap<>();
                put(ops, "equals", f.equalsValue());
                put(ops, "notEquals", f.notEquals());
                put(ops, "startsWith", f.startsWith());
                put(ops, "notStartsWith", f.notStartsWith());
                put(ops, "endsWith", f.endsWith());
                put(ops, "notEndsWith", f.notEndsWith());
                fields.put(f.field(), ops);
            }
            out.add(fields);
        }
        out.sort(Comparator.comparing(Object::toString));
        return out;
    }

    private static void put(Map<String, Object> ops, String op, List<String> values) {
        if (values != null && !values.isEmpty()) {
            ops.put(op, values.stream().sorted().toList());
        }
    }
}
