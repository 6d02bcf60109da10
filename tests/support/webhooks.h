#pragma once
/// Test support: Alertmanager webhook bodies, captured (fixtures/alertmanager-0.25) or generated.
#include <string>
#include <vector>

namespace pmx::testing {

/// The canonical source keys of the fixtures (default --incident.source-labels).
inline const std::string kCheckoutKey = R"(alertname="HighLatency",service="checkout")";
inline const std::string kAuthKey = R"(alertname="DBPoolSaturated",service="auth")";
inline const std::string kStorageKey = R"(alertname="DiskFull",service="storage")";

/// The body of fixtures/alertmanager-0.25/<file>; throws if missing.
std::string read_fixture(const std::string& file);

/// 01..07 of the captures, in the order Alertmanager sent them.
const std::vector<std::string>& replay_fixture_names();
inline const std::string kTruncatedFixture = "08-truncated-max-alerts-2.json";

/// `alertname="<a>",service="<s>"`: the canonical key under the default source labels.
std::string source_key(const std::string& alertname, const std::string& service);

/// One alert of a generated webhook. Its fingerprint is derived from the labels only, as
/// Alertmanager's is, so the same alert keeps its fingerprint across firings.
struct GeneratedAlert {
  std::string alertname;
  std::string service;
  std::string instance;
  std::string starts_at;       ///< RFC 3339
  std::string ends_at;         ///< RFC 3339; empty while firing ("0001-01-01T00:00:00Z" sent)
  bool resolved = false;

  std::string fingerprint() const;
};

/// A version-4 webhook body grouping `alerts` (which should share alertname and service).
std::string make_webhook(const std::vector<GeneratedAlert>& alerts);

/// Now, as RFC 3339 UTC with milliseconds, offset by `offset_ms`.
std::string rfc3339_now(long long offset_ms = 0);

}  // namespace pmx::testing
