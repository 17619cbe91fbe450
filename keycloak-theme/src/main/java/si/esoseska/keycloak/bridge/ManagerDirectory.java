package si.esoseska.keycloak.bridge;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The manager drop-down's options, fetched from the bridge and kept for a short while, so that rendering the
 * form does not cost a call each time and survives a short bridge outage with the last known list.
 */
public final class ManagerDirectory {

    static final Duration FRESH_FOR = Duration.ofSeconds(30);
    static final Duration USABLE_FOR = Duration.ofHours(1);

    private record Entry(List<ManagerOption> managers, Instant fetchedAt) {}

    private static final Map<URI, Entry> CACHE = new ConcurrentHashMap<>();

    private ManagerDirectory() {}

    public static List<ManagerOption> managers(BridgeSettings settings) throws BridgeUnavailableException {
        Instant now = Instant.now();
        Entry cached = CACHE.get(settings.baseUrl());
        if (cached != null && cached.fetchedAt().plus(FRESH_FOR).isAfter(now)) {
            return cached.managers();
        }
        try {
            List<ManagerOption> managers = new BridgeClient(settings).managers();
            CACHE.put(settings.baseUrl(), new Entry(managers, now));
            return managers;
        } catch (BridgeUnavailableException e) {
            if (cached != null && cached.fetchedAt().plus(USABLE_FOR).isAfter(now)) {
                return cached.managers();
            }
            throw e;
        }
    }
}
