package dev.lmgate.state;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.lmgate.filters.auth.KeyHashes;
import dev.lmgate.filters.auth.KeyRecord;
import dev.lmgate.filters.auth.KeyStore;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.flywaydb.core.Flyway;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys every replica shares, in PostgreSQL. Each replica authenticates from a snapshot in its
 * memory, so the hot path never waits on the database; the snapshot follows the table through
 * {@code LISTEN/NOTIFY} (a change reaches every replica in milliseconds) with a poll every {@code
 * poll} as a backstop for a lost notification. Each change bumps a row's version, so a refresh
 * fetches only what changed; removed keys stay as tombstones so their removal reaches everyone.
 *
 * <p>When the database cannot be reached, the last snapshot serves for {@code maxStaleness} (a
 * revocation made meanwhile elsewhere may be missing); after that {@link #unavailable} says so and
 * every API key is refused with a 503, until a refresh succeeds again. Changes ({@link #add},
 * {@link #update}) need the database: they fail rather than apply to one replica only.
 */
public final class PostgresKeyStore implements KeyStore {
  private static final Logger log = LoggerFactory.getLogger(PostgresKeyStore.class);
  static final String CHANNEL = "lmgate_keys";

  private final HikariDataSource pool;
  private final String jdbcUrl;
  private final KeyHashes hashes;
  private final Clock clock;
  private final Duration maxStaleness;
  private final Duration poll;
  private final Map<String, KeyRecord> snapshot = new ConcurrentHashMap<>();
  private volatile long version; // the highest version the snapshot holds
  private volatile Instant lastRefresh;
  private volatile boolean closed;
  private volatile boolean loaded;
  private final int readEvery; // ms between reads, notifications aside
  private final Thread listener;

  private PostgresKeyStore(
      String jdbcUrl, KeyHashes hashes, Clock clock, Duration maxStaleness, Duration poll) {
    HikariConfig c = new HikariConfig();
    c.setJdbcUrl(jdbcUrl);
    c.setMaximumPoolSize(2);
    c.setConnectionTimeout(2_000);
    c.setInitializationFailTimeout(-1); // a replica starts while the database is down
    c.setPoolName("lmgate-keys");
    this.pool = new HikariDataSource(c);
    this.jdbcUrl = jdbcUrl;
    this.hashes = hashes;
    this.clock = clock;
    this.maxStaleness = maxStaleness;
    this.poll = poll;
    this.lastRefresh = clock.instant();
    // read at least three times per max-staleness: a healthy store never looks stale
    this.readEvery = (int) Math.max(100, Math.min(poll.toMillis(), maxStaleness.toMillis() / 3));
    this.listener = new Thread(this::listen, "lmgate-keys-listener");
    this.listener.setDaemon(true);
  }

  /**
   * Opens the store: migrates the schema (versioned in the jar), loads the snapshot and starts
   * following the table.
   *
   * @param jdbcUrl {@code jdbc:postgresql://host:port/db?user=…}
   * @param maxStaleness how long the last snapshot serves while the database cannot be reached
   * @param poll how often the snapshot is refreshed besides the notifications
   */
  public static PostgresKeyStore open(
      String jdbcUrl, KeyHashes hashes, Clock clock, Duration maxStaleness, Duration poll) {
    PostgresKeyStore s = new PostgresKeyStore(jdbcUrl, hashes, clock, maxStaleness, poll);
    try {
      migrate(s.pool);
      s.refresh();
    } catch (RuntimeException | SQLException e) {
      log.warn("the shared key store cannot be read yet ({}); retrying", e.getMessage());
    }
    s.listener.start();
    return s;
  }

  /** Brings the schema up to date (Flyway, the migrations in {@code db/lmgate}). */
  static void migrate(javax.sql.DataSource ds) {
    Flyway.configure()
        .dataSource(ds)
        .locations("classpath:db/lmgate")
        .table("lmgate_schema_history")
        .load()
        .migrate();
  }

  /** Fetches what changed since the snapshot's version. */
  synchronized void refresh() throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement q =
            c.prepareStatement(
                "SELECT id, name, owner, roles, scopes, created, expires, revoked, replaced_by,"
                    + " salt, hash, deleted, version FROM lmgate_api_keys WHERE version > ?"
                    + " ORDER BY version")) {
      q.setLong(1, version);
      long highest = version;
      try (ResultSet r = q.executeQuery()) {
        while (r.next()) {
          String id = r.getString("id");
          if (r.getBoolean("deleted")) {
            snapshot.remove(id);
          } else {
            snapshot.put(id, record(r));
          }
          highest = Math.max(highest, r.getLong("version"));
        }
      }
      version = highest;
      lastRefresh = clock.instant();
      loaded = true;
    }
  }

  private static KeyRecord record(ResultSet r) throws SQLException {
    return new KeyRecord(
        r.getString("id"),
        r.getString("name"),
        r.getString("owner"),
        List.of((String[]) r.getArray("roles").getArray()),
        List.of((String[]) r.getArray("scopes").getArray()),
        r.getTimestamp("created").toInstant(),
        instant(r.getTimestamp("expires")),
        instant(r.getTimestamp("revoked")),
        r.getString("replaced_by"),
        r.getString("salt"),
        r.getString("hash"));
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }

  /**
   * Follows the table: one connection of its own that {@code LISTEN}s, a refresh on each
   * notification and every {@code poll}; on any failure it reconnects after a second.
   */
  private void listen() {
    while (!closed) {
      try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl)) {
        try (Statement st = c.createStatement()) {
          st.execute("LISTEN " + CHANNEL);
        }
        refresh(); // what changed while nobody listened
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          pg.getNotifications(readEvery);
          refresh();
        }
      } catch (SQLException | RuntimeException e) {
        if (!closed) {
          log.debug("key store listener: {}", e.getMessage());
          try {
            Thread.sleep(1_000); // its own thread: back off before reconnecting
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
    }
  }

  /**
   * The store's state in one word, for {@code /readyz}: {@code up} (read within the last few
   * seconds), {@code stale} (not read lately; the snapshot still serves) or {@code down} (past its
   * max-staleness: every API key is refused).
   */
  public String state() {
    if (unavailable().isPresent()) {
      return "down";
    }
    Duration age = Duration.between(lastRefresh, clock.instant());
    return loaded && age.toMillis() <= 2L * readEvery + 1_000 ? "up" : "stale";
  }

  /** Whether the table has been read at least once (the snapshot is the database's). */
  public boolean loaded() {
    return loaded;
  }

  @Override
  public Optional<KeyRecord> find(String id) {
    return Optional.ofNullable(snapshot.get(id));
  }

  @Override
  public boolean verify(KeyRecord record, String secret) {
    return hashes.verify(record, secret);
  }

  @Override
  public Optional<String> unavailable() {
    Duration age = Duration.between(lastRefresh, clock.instant());
    return age.compareTo(maxStaleness) > 0
        ? Optional.of(
            "the shared key store (PostgreSQL) has not been read for "
                + age.toSeconds()
                + " s, more than its max-staleness of "
                + maxStaleness.toSeconds()
                + " s")
        : Optional.empty();
  }

  @Override
  public List<KeyRecord> list() {
    return List.copyOf(snapshot.values());
  }

  @Override
  public KeyRecord add(KeyRecord record, String secret) {
    KeyRecord stored = hashes.hashed(record, secret);
    update(KeyHashes.adding(stored));
    return stored;
  }

  /**
   * Applies a change to every record in one transaction that holds the table's write lock, so two
   * replicas' changes never interleave; tells every replica ({@code NOTIFY}) when it commits.
   *
   * @throws IllegalStateException when the database cannot be reached: the change is not made
   */
  @Override
  public void update(UnaryOperator<List<KeyRecord>> change) {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (Statement st = c.createStatement()) {
          st.execute("LOCK TABLE lmgate_api_keys IN EXCLUSIVE MODE");
        }
        Map<String, KeyRecord> now = new HashMap<>();
        try (Statement st = c.createStatement();
            ResultSet r =
                st.executeQuery(
                    "SELECT id, name, owner, roles, scopes, created, expires, revoked,"
                        + " replaced_by, salt, hash FROM lmgate_api_keys WHERE NOT deleted")) {
          while (r.next()) {
            KeyRecord k = record(r);
            now.put(k.id(), k);
          }
        }
        List<KeyRecord> next = change.apply(List.copyOf(now.values()));
        Map<String, KeyRecord> after = new HashMap<>();
        for (KeyRecord k : next) {
          after.put(k.id(), k);
        }
        for (KeyRecord k : next) {
          if (!k.equals(now.get(k.id()))) {
            upsert(c, k);
          }
        }
        for (String gone : now.keySet()) {
          if (!after.containsKey(gone)) {
            try (PreparedStatement d =
                c.prepareStatement(
                    "UPDATE lmgate_api_keys SET deleted = true,"
                        + " version = nextval('lmgate_api_key_versions') WHERE id = ?")) {
              d.setString(1, gone);
              d.executeUpdate();
            }
          }
        }
        try (Statement st = c.createStatement()) {
          st.execute("NOTIFY " + CHANNEL);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
      refresh();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "the shared key store (PostgreSQL) cannot be changed now: " + e.getMessage(), e);
    }
  }

  private static void upsert(Connection c, KeyRecord k) throws SQLException {
    try (PreparedStatement u =
        c.prepareStatement(
            "INSERT INTO lmgate_api_keys (id, name, owner, roles, scopes, created, expires,"
                + " revoked, replaced_by, salt, hash, deleted, version) VALUES (?, ?, ?, ?, ?, ?,"
                + " ?, ?, ?, ?, ?, false, nextval('lmgate_api_key_versions')) ON CONFLICT (id) DO"
                + " UPDATE SET name = excluded.name, owner = excluded.owner, roles ="
                + " excluded.roles, scopes = excluded.scopes, created = excluded.created, expires"
                + " = excluded.expires, revoked = excluded.revoked, replaced_by ="
                + " excluded.replaced_by, salt = excluded.salt, hash = excluded.hash, deleted ="
                + " false, version = excluded.version")) {
      Array roles = c.createArrayOf("text", k.roles().toArray());
      Array scopes = c.createArrayOf("text", k.scopes().toArray());
      u.setString(1, k.id());
      u.setString(2, k.name());
      u.setString(3, k.owner());
      u.setArray(4, roles);
      u.setArray(5, scopes);
      u.setTimestamp(6, Timestamp.from(k.created()));
      u.setTimestamp(7, k.expires() == null ? null : Timestamp.from(k.expires()));
      u.setTimestamp(8, k.revoked() == null ? null : Timestamp.from(k.revoked()));
      u.setString(9, k.replacedBy());
      u.setString(10, k.salt());
      u.setString(11, k.hash());
      u.executeUpdate();
    }
  }

  @Override
  public void close() {
    closed = true;
    listener.interrupt();
    pool.close();
  }
}
