// postmortem-exporter: wires flags, logging, the store, metrics and the HTTP server.
// Everything else lives in the stage folders (receiver/, core/, store/, exporter/).
#include <httplib.h>
#include <malloc.h>
#ifdef PMX_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include "activity_log.h"
#include "pmx/log/log.h"
#include "pmx/receiver/http_api.h"
#include "pmx/receiver/tls.h"
#include "pmx/store/memory_store.h"
#include "pmx/store/pending_store.h"
#include "pmx/store/redis_store.h"
#include "pmx/store/sqlite_store.h"
#include "rca_files.h"
#include "storage_transfer.h"

#ifndef PMX_VERSION
#define PMX_VERSION "dev"
#endif

namespace pmx {
namespace {

struct Flags {
  std::string listen_address = ":9717";
  std::string auth_token_file;
  std::string basic_auth_username;
  std::string basic_auth_password_file;
  std::size_t max_request_bytes = 8 * 1024 * 1024;
  std::string telemetry_path = "/metrics";
  std::size_t max_connections = 512;
  bool read_auth = false;
  std::string read_timeout = "10s";
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string external_url;
  std::string route_prefix;
  std::string redis_url;
  std::string redis_sentinels;
  std::string redis_cluster;
  std::string redis_sentinel_master;
  RedisTlsConfig redis_tls;
  int redis_wait_replicas = 0;
  std::string redis_wait_timeout = "500ms";
  std::string storage_path = "data/";
  std::string storage_sync = "full";
  bool storage_in_memory = false;
  std::string source_labels = "alertname,service";
  // The daemon's own alerts (monitoring/prometheus/postmortem-alerts.yml), kube-prometheus-
  // stack's heartbeat and its inhibitor: with a catch-all route they would be incidents.
  std::string incident_ignore = R"(alertname=~"Postmortem.*|Watchdog|InfoInhibitor")";
  std::string reopen_window = "5m";
  std::string repeat_window = "180d";
  std::string rca_dir;
  std::string team_owner_pattern = kDefaultTeamOwnerPattern;
  std::string vague_phrases = kDefaultVaguePhrases;
  std::size_t top_sources = 50;
  std::size_t max_overdue = 500;
  std::string owner_label;
  std::string required_severities = "critical";
  bool require_repeats = true;
  std::string postmortem_due = "5bd";
  std::string kpi_window = "28d";
  std::string log_level = "info";
  std::string log_format = "logfmt";
};

void add_flags(CLI::App& app, Flags& f) {
  app.add_option("--web.listen-address", f.listen_address, "Address to listen on, host:port")
      ->capture_default_str();
  app.add_option("--web.auth-token-file", f.auth_token_file,
                 "File holding the bearer token that webhook calls and writes must present");
  app.add_option("--web.basic-auth-username", f.basic_auth_username,
                 "Username accepted with basic auth (with --web.basic-auth-password-file)");
  app.add_option("--web.basic-auth-password-file", f.basic_auth_password_file,
                 "File holding the basic auth password");
  app.add_option("--web.max-request-bytes", f.max_request_bytes,
                 "Largest request body accepted (larger ones get 413) and largest --rca.dir file")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30));
  app.add_option("--web.telemetry-path", f.telemetry_path, "Path under which to expose metrics")
      ->capture_default_str();
  app.add_option("--web.max-connections", f.max_connections,
                 "Connections served at once, each on a thread of its own; at the maximum, "
                 "new ones wait to be accepted")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{16384}));
  app.add_flag("--web.read-auth", f.read_auth,
               "GET of the API and of the telemetry path need the credentials too "
               "(health endpoints stay open)");
  app.add_option("--web.read-timeout", f.read_timeout,
                 "How long a whole request may take to arrive, a write may stall, and an idle "
                 "keep-alive connection may stay open, before the connection is closed")
      ->capture_default_str();
  app.add_option("--web.tls-cert-file", f.tls_cert_file,
                 "PEM certificate (and chain) to serve HTTPS with; needs --web.tls-key-file");
  app.add_option("--web.tls-key-file", f.tls_key_file,
                 "PEM private key of --web.tls-cert-file");
  app.add_option("--web.external-url", f.external_url,
                 "The URL under which the daemon is reachable from outside (behind a reverse "
                 "proxy or on a sub-path); its path is the prefix of every route and link, and "
                 "the API's ui_url of incidents and RCAs is absolute under it");
  app.add_option("--web.route-prefix", f.route_prefix,
                 "Prefix of every route, when it differs from the path of --web.external-url "
                 "(a proxy that strips the path: --web.route-prefix=/). Default: that path");
  app.add_option("--redis.url", f.redis_url,
                 "redis://[[user]:password@]host[:port][/db] (port 6379, db 0; percent-encode "
                 "@ : / in user or password); without it (or --redis.sentinel, --redis.cluster) "
                 "the daemon keeps "
                 "its state in --storage.path");
  app.add_option("--redis.sentinel", f.redis_sentinels,
                 "Redis Sentinel addresses, host:port[,host:port...]: the master is found (and "
                 "followed after a failover) through them; --redis.url then only gives "
                 "credentials and db (its host:port is ignored) and may be omitted");
  app.add_option("--redis.sentinel-master", f.redis_sentinel_master,
                 "Name of the master the sentinels watch (required with --redis.sentinel)");
  app.add_option("--redis.cluster", f.redis_cluster,
                 "Redis Cluster seed nodes, host:port[,host:port...] (port 6379): the slot map "
                 "is asked from them and followed (MOVED, ASK, failovers); --redis.url then only "
                 "gives credentials and TLS (rediss://) and may be omitted")
      ->excludes("--redis.sentinel");
  app.add_option("--redis.tls-ca-file", f.redis_tls.ca_file,
                 "PEM file of the CAs that sign the Redis servers' certificates (rediss:// "
                 "URLs: the server, the sentinels); default: the system's CAs")
      ->check(CLI::ExistingFile);
  app.add_option("--redis.tls-cert-file", f.redis_tls.cert_file,
                 "PEM client certificate, for Redis servers that require one "
                 "(tls-auth-clients yes); needs --redis.tls-key-file")
      ->check(CLI::ExistingFile);
  app.add_option("--redis.tls-key-file", f.redis_tls.key_file,
                 "PEM private key of --redis.tls-cert-file")
      ->check(CLI::ExistingFile);
  app.add_option("--redis.tls-server-name", f.redis_tls.server_name,
                 "Name the Redis servers' certificates must carry (and SNI); default: the host "
                 "connected to");
  app.add_option("--redis.wait-replicas", f.redis_wait_replicas,
                 "Replicas that must acknowledge each write (Redis WAIT) before a webhook is "
                 "answered 200; fewer in time answer 503. 0: asynchronous replication (a "
                 "failover may lose the last writes). With Sentinel, 1 is recommended")
      ->capture_default_str()->check(CLI::Range(0, 16));
  app.add_option("--redis.wait-timeout", f.redis_wait_timeout,
                 "How long a write waits for --redis.wait-replicas acknowledgements")
      ->capture_default_str();
  app.add_option("--storage.path", f.storage_path,
                 "Directory of the embedded store, created if absent: one SQLite database, "
                 "postmortem.db, that a single daemon may use at a time. Used when no Redis "
                 "flag is given")
      ->capture_default_str();
  app.add_option("--storage.sync", f.storage_sync,
                 "full: a webhook is answered 200 once its alerts are on disk (fsync); normal: "
                 "survives a crash of the daemon, but the last commits may be lost on an OS "
                 "crash or power loss")
      ->capture_default_str()
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_flag("--storage.in-memory", f.storage_in_memory,
               "Keep everything in memory instead of --storage.path, for tests and trials: "
               "every incident, RCA and action item is forgotten when the daemon stops");
  app.add_option("--incident.source-labels", f.source_labels,
                 "Comma-separated labels whose values identify the source of an incident")
      ->capture_default_str();
  // expected(0, 1), as --postmortem.required-severities: `--incident.ignore=` ignores nothing.
  app.add_option("--incident.ignore", f.incident_ignore,
                 "Alertmanager matchers ({a=\"b\",c=~\"d.*\"}, braces optional): alerts matching "
                 "all of them are acknowledged and counted (postmortem_alerts_ignored_total) but "
                 "never become incidents; empty for none. Default: " + f.incident_ignore)
      ->expected(0, 1);
  app.add_option("--incident.reopen-window", f.reopen_window,
                 "A firing this soon after an incident resolved reopens it")
      ->capture_default_str();
  app.add_option("--incident.repeat-window", f.repeat_window,
                 "An incident whose source had another one this recently is a repeat")
      ->capture_default_str();
  app.add_option("--rca.dir", f.rca_dir,
                 "Folder of RCA documents (*.json) loaded read-only at start and on SIGHUP");
  // expected(0, 1): `--rca.team-owner-pattern=` and `--rca.vague-phrases=` turn the check off.
  app.add_option("--rca.team-owner-pattern", f.team_owner_pattern,
                 "RE2 pattern, searched case-insensitively in an action item's owner: a match "
                 "looks like a team, not a person (a warning); empty for no check. Default: " +
                     f.team_owner_pattern)
      ->expected(0, 1);
  app.add_option("--rca.vague-phrases", f.vague_phrases,
                 "Comma-separated phrases that make an action item's title vague (a warning), "
                 "as whole words, case-insensitive; a trailing $ flags the phrase only with no "
                 "object after it; empty for no check. Default: " +
                     f.vague_phrases)
      ->expected(0, 1);
  app.add_option("--metrics.top-sources", f.top_sources,
                 "Sources exported in postmortem_source_occurrences (the busiest)")
      ->capture_default_str();
  app.add_option("--metrics.max-overdue", f.max_overdue,
                 "Overdue action items, and incidents with an overdue post-mortem, exported one "
                 "series each (the longest overdue first; the rest are counted in ..._unlisted)")
      ->capture_default_str();
  app.add_option("--postmortem.owner-label", f.owner_label,
                 "Alert label naming whom to remind of an overdue post-mortem (e.g. team) when no "
                 "RCA linked to the incident names its owner");
  // expected(0, 1): `--postmortem.required-severities=` means none (only repeats need one);
  // without it CLI11 would take the next argument as the value. The default is in the text,
  // since a captured default would replace the empty value.
  app.add_option("--postmortem.required-severities", f.required_severities,
                 "Comma-separated values of the severity label whose incidents need a "
                 "post-mortem (and repeats, see --postmortem.require-repeats); empty for none. "
                 "Default: critical")
      ->expected(0, 1);
  app.add_flag("--postmortem.require-repeats,!--no-postmortem.require-repeats", f.require_repeats,
               "A repeat needs a post-mortem whatever its severity (default on; "
               "--no-postmortem.require-repeats: only the required severities do)");
  app.add_option("--postmortem.due", f.postmortem_due,
                 "When a post-mortem is due after its incident resolved: <n>bd business days "
                 "(Monday to Friday, UTC) or a duration such as 72h")
      ->capture_default_str();
  app.add_option("--kpi.window", f.kpi_window,
                 "Window of the on-time and coverage ratios (items due, incidents resolved in it)")
      ->capture_default_str();
  app.add_option("--log.level", f.log_level, "debug, info, warn or error")->capture_default_str();
  app.add_option("--log.format", f.log_format, "logfmt or json")->capture_default_str();
}

/// Splits `host:port` (`:9717` means every interface).
std::pair<std::string, int> split_listen_address(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("--web.listen-address needs host:port");
  std::string host = address.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const int port = std::stoi(address.substr(colon + 1));
  if (port < 0 || port > 65535) throw std::invalid_argument("--web.listen-address: bad port");
  return {host, port};
}

std::string lower_case(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

AuthConfig auth_config(const Flags& f) {
  AuthConfig auth;
  if (!f.auth_token_file.empty()) auth.bearer_token = read_secret_file(f.auth_token_file);
  if (!f.basic_auth_username.empty()) {
    auth.basic_user = f.basic_auth_username;
    if (f.basic_auth_password_file.empty()) {
      throw std::invalid_argument("--web.basic-auth-username needs --web.basic-auth-password-file");
    }
    auth.basic_password = read_secret_file(f.basic_auth_password_file);
  }
  return auth;
}

std::vector<Matcher> matchers_flag(const std::string& flag, const std::string& value) {
  auto parsed = parse_matchers(value);
  if (const auto* error = std::get_if<MatcherError>(&parsed)) {
    throw std::invalid_argument(flag + ": invalid matcher '" + error->matcher + "': " + error->message);
  }
  return std::get<std::vector<Matcher>>(std::move(parsed));
}

UnixNanos duration_flag(const std::string& flag, const std::string& value) {
  const auto duration = parse_duration(value);
  if (!duration) throw std::invalid_argument(flag + ": not a duration: " + value);
  return *duration;
}

bool uses_redis(const Flags& f) {
  return !f.redis_url.empty() || !f.redis_sentinels.empty() || !f.redis_cluster.empty();
}

/// The name of the store, for the start-up line.
const char* store_kind(const Flags& f) {
  if (uses_redis(f)) return "redis";
  return f.storage_in_memory ? "memory" : "sqlite";
}

/// The embedded store in --storage.path, the directory created if absent. Throws, naming the
/// directory or file, when it cannot be created, opened or locked.
std::filesystem::path sqlite_file(const Flags& f) {
  return std::filesystem::path(f.storage_path) / "postmortem.db";
}

std::unique_ptr<Store> open_sqlite_store(const Flags& f) {
  const std::filesystem::path dir(f.storage_path);
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    throw std::runtime_error("cannot create --storage.path " + f.storage_path + ": " +
                             error.message());
  }
  SqliteConfig config;
  config.path = sqlite_file(f).string();
  config.sync = f.storage_sync == "normal" ? SqliteSync::kNormal : SqliteSync::kFull;
  auto store = std::make_unique<SqliteStore>(config);
  log_info("store open", {{"path", quoted(config.path)}, {"sync", f.storage_sync}});
  return store;
}

/// Flags of one store given with another's: refused rather than silently ignored.
void check_store_flags(const Flags& f, const CLI::App& app) {
  if (!uses_redis(f)) return;
  for (const char* flag : {"--storage.path", "--storage.sync", "--storage.in-memory"}) {
    if (app.count(flag) > 0) {
      throw std::invalid_argument(std::string(flag) +
                                  " is for the embedded store: it cannot be used with Redis");
    }
  }
}

std::unique_ptr<Store> make_store(const Flags& f) {
  if (!uses_redis(f)) {
    if (!f.storage_in_memory) return open_sqlite_store(f);
    log_warn("--storage.in-memory: state is NOT persisted and is lost when the daemon stops");
    return std::make_unique<MemoryStore>();
  }
  RedisConfig config;
  config.url = f.redis_url;
  config.sentinels = f.redis_sentinels;
  config.sentinel_master = f.redis_sentinel_master;
  config.cluster = f.redis_cluster;
  config.tls = f.redis_tls;
  if (!config.sentinels.empty() && config.sentinel_master.empty()) {
    throw std::invalid_argument("--redis.sentinel needs --redis.sentinel-master");
  }
  if (config.sentinels.empty() && !config.sentinel_master.empty()) {
    throw std::invalid_argument("--redis.sentinel-master needs --redis.sentinel");
  }
  config.wait_replicas = f.redis_wait_replicas;
  config.on_availability = log_store_availability;
  config.wait_timeout = std::chrono::milliseconds(
      duration_flag("--redis.wait-timeout", f.redis_wait_timeout) / 1'000'000);
  if (config.wait_replicas > 0 && config.wait_timeout.count() <= 0) {
    throw std::invalid_argument("--redis.wait-timeout must be at least 1ms");
  }
  if (!config.cluster.empty()) {
    log_info("Redis Cluster",
             {{"seeds", quoted(config.cluster)}, {"wait_replicas", config.wait_replicas}});
  }
  if (!config.sentinels.empty()) {
    log_info("Redis through Sentinel", {{"sentinels", quoted(config.sentinels)},
                                        {"master", quoted(config.sentinel_master)},
                                        {"wait_replicas", config.wait_replicas}});
  }
  return std::make_unique<RedisStore>(config);
}

PostmortemPolicy postmortem_policy(const Flags& f) {
  PostmortemPolicy policy;
  const auto due = parse_postmortem_due(f.postmortem_due);
  if (!due) {
    throw std::invalid_argument("--postmortem.due: not <n>bd (business days) nor a duration: " +
                                f.postmortem_due);
  }
  policy.due = *due;
  policy.require_repeats = f.require_repeats;
  // Label values, not names: anything but commas; empty means only repeats need one.
  policy.required_severities.clear();
  std::stringstream values(f.required_severities);
  for (std::string value; std::getline(values, value, ',');) {
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of(' ') + 1);
    if (!value.empty()) policy.required_severities.insert(value);
  }
  return policy;
}

/// The action-item checks of the flags; an invalid pattern or phrase stops start-up naming
/// its flag.
ActionItemRules action_item_rules(const Flags& f) {
  auto rules = make_action_item_rules(f.team_owner_pattern, f.vague_phrases);
  if (!rules) {
    const std::string flag =
        rules.error().field == "vague_phrases" ? "--rca.vague-phrases" : "--rca.team-owner-pattern";
    throw std::invalid_argument(flag + ": " + rules.error().message());
  }
  return std::move(*rules);
}

UnixNanos wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The allocator the daemon runs on: "jemalloc <version>" (PMX_JEMALLOC) or "glibc".
std::string allocator() {
#ifdef PMX_JEMALLOC
  const char* version = nullptr;
  std::size_t size = sizeof(version);
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version != nullptr) {
    return std::string("jemalloc ") + version;
  }
  return "jemalloc";
#else
  return "glibc";
#endif
}

/// The start-up line: where it listens, and every flag that decides what counts (windows,
/// policy, what is ignored), so a log says which settings produced that run's numbers.
void log_listening(const Flags& f, const std::string& host, int port, const IngestConfig& ingest) {
  log_info("listening", {{"address", host + ":" + std::to_string(port)},
                         {"tls", !f.tls_cert_file.empty()},
                         {"read_auth", f.read_auth},
                         {"external_url", quoted(f.external_url)},
                         {"version", PMX_VERSION},
                         {"allocator", quoted(allocator())},
                         {"store", store_kind(f)},
                         {"source_labels", f.source_labels},
                         {"reopen_window", f.reopen_window},
                         {"repeat_window", f.repeat_window},
                         {"kpi_window", f.kpi_window},
                         {"postmortem_due", quoted(to_string(ingest.postmortem.due))},
                         {"required_severities", f.required_severities},
                         {"require_repeats", ingest.postmortem.require_repeats},
                         {"incident_ignore", quoted(to_string(ingest.ignore))},
                         {"team_owner_pattern", quoted(f.team_owner_pattern)},
                         {"vague_phrases", quoted(f.vague_phrases)},
                         {"top_sources", f.top_sources},
                         {"max_overdue", f.max_overdue},
                         {"owner_label", quoted(f.owner_label)}});
}

int run(const Flags& f) {
  IngestConfig ingest_config;
  ingest_config.source_labels = parse_label_list(f.source_labels);
  ingest_config.ignore = matchers_flag("--incident.ignore", f.incident_ignore);
  ingest_config.reopen_window = duration_flag("--incident.reopen-window", f.reopen_window);
  const UnixNanos repeat_window = duration_flag("--incident.repeat-window", f.repeat_window);
  ingest_config.repeat_window = repeat_window;
  ingest_config.postmortem = postmortem_policy(f);
  KpiSettings kpis;
  kpis.top_sources = f.top_sources;
  kpis.windows.repeat = repeat_window;
  kpis.windows.kpi = duration_flag("--kpi.window", f.kpi_window);
  const ActionItemRules item_rules = action_item_rules(f);
  const auto [host, port] = split_listen_address(f.listen_address);
  const Authenticator authenticator(auth_config(f));
  if (f.read_auth && !authenticator.enabled()) {
    throw std::invalid_argument("--web.read-auth needs --web.auth-token-file or basic auth");
  }
  const UnixNanos read_timeout = duration_flag("--web.read-timeout", f.read_timeout);
  if (read_timeout < 1'000'000) throw std::invalid_argument("--web.read-timeout must be at least 1ms");
  const std::string external_url = external_url_flag(f.external_url);
  // As Alertmanager: the route prefix is the external URL's path unless given.
  const std::string route_prefix =
      f.route_prefix.empty() ? external_url_path(external_url) : route_prefix_flag(f.route_prefix);
  // Checked before the store connects, so a bad file is reported at once.
  const std::unique_ptr<httplib::Server> server_ptr =
      make_http_server(TlsConfig{f.tls_cert_file, f.tls_key_file});
  httplib::Server& server = *server_ptr;
  if (!authenticator.enabled()) {
    log_warn("no --web.auth-token-file: anyone who can reach the port can post alerts");
  }

  // Signals are handled by one thread with sigwait; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Listening comes first, on a store that answers 503 until it is open (PendingStore).
  PendingStore store;
  ReminderSettings reminders;
  reminders.max_series = f.max_overdue;
  reminders.owner_label = f.owner_label;
  reminders.links = UiLinks{external_url.empty() ? route_prefix : external_url};
  Telemetry telemetry(store, kpis, reminders, PMX_VERSION, wall_clock_now, item_rules);
  ActivityLog activity;
  Ingestor ingestor(store, ingest_config, &activity);
  RcaService rcas(store, &telemetry.publication(), &activity, item_rules);
  Queries queries(store, item_rules);
  // Runs at start and in the signal thread: nothing may escape it (an exception there would
  // end the process); what goes wrong is logged and the daemon carries on with what it has.
  const auto reload_rcas = [&] {
    if (f.rca_dir.empty() || !store.is_open()) return;
    try {
      load_rca_dir(f.rca_dir, f.max_request_bytes, queries, rcas, wall_clock_now());
    } catch (const std::exception& e) {
      log_error("--rca.dir not loaded", {{"dir", quoted(f.rca_dir)}, {"err", quoted(e.what())}});
    } catch (...) {
      log_error("--rca.dir not loaded", {{"dir", quoted(f.rca_dir)}});
    }
  };
  HttpConfig http;
  http.telemetry_path = f.telemetry_path;
  http.max_request_bytes = f.max_request_bytes;
  http.max_connections = f.max_connections;
  http.io_timeout = std::chrono::microseconds(read_timeout / 1000);
  http.read_auth = f.read_auth;
  http.repeat_window = ingest_config.repeat_window;
  http.postmortem = ingest_config.postmortem;
  http.external_url = external_url;
  http.route_prefix = route_prefix;
  install_http_api(
      server, http,
      HttpDependencies{ingestor, queries, rcas, telemetry, authenticator, wall_clock_now});

  errno = 0;
  const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    // httplib reports failure only; errno still holds why bind or listen failed.
    const std::string why = errno == 0 ? "unknown" : lower_case(std::strerror(errno));
    log_critical("cannot listen", {{"address", f.listen_address}, {"err", quoted(why)}});
    return 1;
  }
  raise_listen_backlog(server);
  std::thread signal_thread([&server, &reload_rcas, signals] {
    int signal = 0;
    while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) {
      log_info("SIGHUP: reloading --rca.dir");
      reload_rcas();
    }
    log_info("shutting down: finishing in-flight requests", {{"signal", strsignal(signal)}});
    server.stop();
  });
  log_listening(f, host, bound, ingest_config);
  std::atomic<bool> listen_ended{false};
  std::thread listener([&server, &listen_ended] {
    server.listen_after_bind();  // returns after stop(), once the workers have finished
    listen_ended = true;
  });
  int status = 0;
  try {
    store.open(make_store(f));
    reload_rcas();
    store.mark_ready();  // ready once --rca.dir is in the store (PendingStore)
  } catch (const std::exception& e) {
    log_critical("cannot open the store", {{"err", quoted(e.what())}});
    status = 1;
  }
  if (status != 0) {
    // httplib ignores a stop() before listen has begun: wait for it to run first.
    while (!server.is_running() && !listen_ended) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    server.stop();
  }
  listener.join();
  // Wake the signal thread if listen ended for another reason.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  log_info("stopped");
  return status;
}

}  // namespace
}  // namespace pmx

int main(int argc, char** argv) {
#ifndef PMX_JEMALLOC
  // glibc's malloc, in a build without jemalloc (PMX_JEMALLOC in CMakeLists.txt, off with the
  // sanitizers). glibc gives each thread that allocates its own arena (up to 8 per core), and every
  // worker thread allocates: resident memory grew with the number of connections, not with the
  // work. Two arenas keep it small at no measurable cost in throughput (BENCHMARKS.md).
  mallopt(M_ARENA_MAX, 2);
  // A webhook of 100 alerts allocates and frees a few hundred KB. With glibc's defaults the top
  // of the heap went back to the kernel after most webhooks and was faulted in again by the
  // next (brk, page faults and TLB shootdowns across the worker threads: about 8% of the
  // daemon's CPU in the batched benchmark). Up to 32 MiB of free heap are kept instead; blocks
  // of 1 MiB and more (large bodies) still get their own mapping, returned when freed.
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
  CLI::App app{"postmortem-exporter: turns Alertmanager notifications into incidents, links "
               "post-mortems to them and exports post-mortem KPIs."};
  app.set_version_flag("--version", PMX_VERSION);
  pmx::Flags flags;
  pmx::add_flags(app, flags);
  pmx::TransferFlags transfer;
  pmx::add_transfer_flags(app, transfer);
  CLI11_PARSE(app, argc, argv);
  try {
    pmx::setup_logging(flags.log_level, flags.log_format);
    pmx::check_store_flags(flags, app);
    if (transfer.requested()) {
      return pmx::run_transfer(transfer, [&flags, &transfer] {
        // An export reads a database that exists: a mistyped --storage.path would otherwise
        // create an empty one there and export nothing.
        if (!transfer.export_path.empty() && !pmx::uses_redis(flags) && !flags.storage_in_memory &&
            !std::filesystem::exists(pmx::sqlite_file(flags))) {
          throw std::runtime_error("no database at " + pmx::sqlite_file(flags).string() +
                                   ": --storage.path must name the daemon's data directory");
        }
        return pmx::make_store(flags);
      });
    }
    return pmx::run(flags);
  } catch (const std::exception& e) {
    pmx::log_critical("cannot start", {{"err", pmx::quoted(e.what())}});
    return 1;
  }
}
