#include "pmx/core/json_codec.h"

#include <algorithm>
#include <set>

namespace pmx {
namespace {

using nlohmann::json;

json time_or_null(UnixNanos t) { return t == 0 ? json(nullptr) : json(format_rfc3339(t)); }

UnixNanos time_from(const json& value) {
  if (value.is_null()) return 0;
  const auto parsed = parse_rfc3339(value.get<std::string>());
  if (!parsed) throw std::invalid_argument("bad time");
  return *parsed;
}

}  // namespace

json to_json(const AlertRecord& alert) {
  return json{{"fingerprint", alert.fingerprint},
              {"status", to_string(alert.status)},
              {"labels", alert.labels},
              {"annotations", alert.annotations},
              {"starts_at", time_or_null(alert.starts_at)},
              {"ends_at", time_or_null(alert.ends_at)},
              {"generator_url", alert.generator_url},
              {"occurrences", alert.occurrences}};
}

namespace {

AlertRecord alert_record_from(const json& doc) {
  AlertRecord alert;
  alert.fingerprint = doc.at("fingerprint").get<std::string>();
  alert.status = doc.at("status").get<std::string>() == "resolved" ? AlertStatus::kResolved
                                                                   : AlertStatus::kFiring;
  alert.labels = doc.at("labels").get<Labels>();
  alert.annotations = doc.at("annotations").get<Labels>();
  alert.starts_at = time_from(doc.at("starts_at"));
  alert.ends_at = time_from(doc.at("ends_at"));
  alert.generator_url = doc.at("generator_url").get<std::string>();
  alert.occurrences = doc.at("occurrences").get<std::uint64_t>();
  return alert;
}

json to_json(const RepeatInfo& repeat) {
  json rcas = json::array();
  for (const auto& rca : repeat.rcas) {
    rcas.push_back({{"id", rca.id},
                    {"title", rca.title},
                    {"action_items", rca.action_items},
                    {"open_action_items", rca.open_action_items}});
  }
  return json{{"ordinal", repeat.ordinal},
              {"earlier_incidents", repeat.earlier_incidents},
              {"rcas", std::move(rcas)},
              {"open_action_items", repeat.open_action_items},
              {"ineffective_fix", repeat.ineffective_fix},
              {"fixed_types", repeat.fixed_types}};
}

RepeatInfo repeat_from(const json& doc) {
  RepeatInfo repeat;
  repeat.ordinal = doc.at("ordinal").get<std::uint32_t>();
  repeat.earlier_incidents = doc.at("earlier_incidents").get<std::vector<std::string>>();
  for (const auto& rca : doc.at("rcas")) {
    repeat.rcas.push_back(RelatedRca{rca.at("id").get<std::string>(), rca.at("title").get<std::string>(),
                                     rca.at("action_items").get<std::size_t>(),
                                     rca.at("open_action_items").get<std::size_t>()});
  }
  repeat.open_action_items = doc.at("open_action_items").get<std::size_t>();
  repeat.ineffective_fix = doc.at("ineffective_fix").get<bool>();
  repeat.fixed_types = doc.at("fixed_types").get<std::vector<std::string>>();
  return repeat;
}

// A document written before the aggregates existed carries every alert: derive them.
void derive_aggregates(Incident& incident) {
  for (const auto& [fingerprint, alert] : incident.alerts) {
    if (alert.status == AlertStatus::kFiring) ++incident.firing_alerts;
    incident.last_alert_end = std::max(incident.last_alert_end, alert.ends_at);
    const auto severity = alert.labels.find("severity");
    if (severity != alert.labels.end()) incident.severities.insert(severity->second);
  }
}

Incident incident_from(const json& doc) {
  Incident incident;
  incident.id = doc.at("id").get<std::string>();
  incident.source = doc.at("source").get<std::string>();
  incident.source_id = doc.at("source_id").get<std::string>();
  incident.number = doc.at("number").get<std::uint64_t>();
  const auto state = incident_state_from(doc.at("state").get<std::string>());
  if (!state) throw std::invalid_argument("bad state");
  incident.state = *state;
  incident.opened_at = time_from(doc.at("opened_at"));
  incident.opened_received_at = time_from(doc.at("opened_received_at"));
  if (!doc.at("resolved_at").is_null()) incident.resolved_at = time_from(doc.at("resolved_at"));
  incident.reopened = doc.at("reopened").get<std::uint32_t>();
  incident.occurrences = doc.at("occurrences").get<std::uint64_t>();
  for (const auto& alert : doc.value("alerts", json::array())) {
    AlertRecord record = alert_record_from(alert);
    incident.alerts[record.fingerprint] = std::move(record);
  }
  if (doc.contains("firing_alerts")) {
    incident.firing_alerts = doc.at("firing_alerts").get<std::uint64_t>();
    incident.last_alert_end = time_from(doc.at("last_alert_end"));
    incident.severities = doc.at("severities").get<std::set<std::string>>();
  } else {
    derive_aggregates(incident);
  }
  const auto repeat = doc.find("repeat");
  if (repeat != doc.end() && !repeat->is_null()) incident.repeat = repeat_from(*repeat);
  incident.rcas = doc.value("rcas", std::vector<std::string>{});
  return incident;
}

// Runs a decoder that throws on a bad shape and turns the throw into nullopt.
template <typename Decode>
auto decode_or_nullopt(Decode decode) -> std::optional<decltype(decode())> {
  try {
    return decode();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

json to_json(const Incident& incident, AlertRecords records) {
  json doc{{"id", incident.id},
              {"source", incident.source},
              {"source_id", incident.source_id},
              {"number", incident.number},
              {"state", to_string(incident.state)},
              {"opened_at", time_or_null(incident.opened_at)},
              {"opened_received_at", time_or_null(incident.opened_received_at)},
              {"resolved_at", incident.resolved_at ? time_or_null(*incident.resolved_at) : json()},
              {"reopened", incident.reopened},
              {"occurrences", incident.occurrences},
              {"firing_alerts", incident.firing_alerts},
              {"last_alert_end", time_or_null(incident.last_alert_end)},
              {"severities", incident.severities},
              {"repeat", incident.repeat ? to_json(*incident.repeat) : json()},
              {"rcas", incident.rcas}};
  if (records == AlertRecords::kInclude) {
    json alerts = json::array();
    for (const auto& entry : incident.alerts) alerts.push_back(to_json(entry.second));
    doc["alerts"] = std::move(alerts);
  }
  return doc;
}

json to_json(const TimelineEvent& event) {
  return json{{"type", to_string(event.type)},
              {"at", time_or_null(event.at)},
              {"received_at", time_or_null(event.received_at)},
              {"fingerprint", event.fingerprint},
              {"detail", event.detail}};
}

json to_json(const SourceState& state, AlertRecords records) {
  json doc = to_json_without_current(state);
  if (state.current) doc["current"] = to_json(*state.current, records);
  return doc;
}

json source_summary_json(const SourceState& state) {
  json earlier = json::array();
  for (const auto& e : state.earlier) earlier.push_back({{"id", e.id}, {"opened_at", format_rfc3339(e.opened_at)}});
  return json{{"key", state.key.canonical},
              {"id", state.key.id},
              {"labels", state.key.labels},
              {"occurrences", state.occurrences},
              {"first_seen", time_or_null(state.first_seen)},
              {"last_seen", time_or_null(state.last_seen)},
              {"incident_count", state.incident_count},
              {"earlier", std::move(earlier)}};
}

json to_json_without_current(const SourceState& state) {
  json doc = source_summary_json(state);
  doc["version"] = state.version;
  doc["current"] = json();
  return doc;
}

std::optional<Incident> incident_from_json(const json& doc) {
  return decode_or_nullopt([&] { return incident_from(doc); });
}

std::optional<AlertRecord> alert_record_from_json(const json& doc) {
  return decode_or_nullopt([&] { return alert_record_from(doc); });
}

std::optional<TimelineEvent> timeline_event_from_json(const json& doc) {
  return decode_or_nullopt([&] {
    TimelineEvent event;
    const auto type = timeline_event_type_from(doc.at("type").get<std::string>());
    if (!type) throw std::invalid_argument("bad event type");
    event.type = *type;
    event.at = time_from(doc.at("at"));
    event.received_at = time_from(doc.at("received_at"));
    event.fingerprint = doc.at("fingerprint").get<std::string>();
    event.detail = doc.at("detail").get<std::string>();
    return event;
  });
}

std::optional<SourceState> source_state_from_json(const json& doc) {
  return decode_or_nullopt([&] {
    SourceState state;
    state.key.canonical = doc.at("key").get<std::string>();
    state.key.id = doc.at("id").get<std::string>();
    state.key.labels = doc.at("labels").get<Labels>();
    state.version = doc.at("version").get<std::int64_t>();
    state.occurrences = doc.at("occurrences").get<std::uint64_t>();
    state.first_seen = time_from(doc.at("first_seen"));
    state.last_seen = time_from(doc.at("last_seen"));
    state.incident_count = doc.at("incident_count").get<std::uint64_t>();
    if (!doc.at("current").is_null()) state.current = incident_from(doc.at("current"));
    for (const auto& e : doc.value("earlier", json::array())) {
      state.earlier.push_back(EarlierIncident{e.at("id").get<std::string>(), time_from(e.at("opened_at"))});
    }
    return state;
  });
}

}  // namespace pmx
