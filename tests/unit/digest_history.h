#pragma once
// The worked history of the digest tests: October 2026, digested on 2026-11-10T12:00:00Z with
// the default policy (critical needs a post-mortem, so does a repeat; due 5 business days after
// resolution). Days of the week: Thu 1 Oct, Fri 2 Oct, Mon 5/12/19/26 Oct, Sun 25 Oct.
//
// Incidents (needs = needs a post-mortem):
//   inc-a    opened 09-28 10:00 (before the period), resolved Fri 10-02 10:00, critical: needs
//   inc-b    opened 10-05 08:00, resolved Mon 10-05 09:00, critical: needs
//   inc-c    opened 10-12 08:00, resolved 10-12 10:00, warning, 2nd repeat, ineffective fix
//            (the done items were of type prevent): needs (a repeat)
//   inc-d    opened 10-20 08:00, resolved 10-20 09:00, warning: needs none
//   inc-e    opened 10-25 08:00, resolved Sun 10-25 12:00, critical, 3rd repeat, 2 items open
//            then: needs
//   inc-f    opened 11-03 08:00 (after the period), critical, open
//   inc-old  opened 08-01, resolved 08-02 00:00, critical: needs
//
// RCAs:
//   RCA-A    published 10-06 10:00, incidents inc-a and inc-old, 4 items
//   RCA-B    published 10-20 09:00, incident inc-b, 2 items
//   RCA-C    waived (created_at 11-09 12:00, no published_at), incident inc-c
//   RCA-OLD  published 08-10 00:00, incident inc-old, 1 item
//   RCA-D    draft, no incident, 3 items
//
// Action items (due = the date; it ends at the next midnight UTC):
//   A1 P0 alice due 10-10 done 10-09 15:00        A2 P1 bob   due 10-15 done 10-20 10:00
//   A3 P1 alice due 10-28 in_progress             A4 P2 carol due 09-30 open
//   B1 P0 bob   due 11-05 open                    B2 P3 dave  due 10-01 wont_do
//   O1 P1 carol due 10-01 done 09-30 12:00
//   D1 P0 bob   due 10-20 open                    D2 P2 alice due 10-31 done, no completed_at
//   D3 P3 alice due 08-31 open
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "pmx/core/incident.h"
#include "pmx/core/rca.h"
#include "pmx/core/rca_loader.h"
#include "pmx/core/time.h"

namespace pmx::digest_history {

using nlohmann::json;

inline UnixNanos at(const char* rfc3339) { return parse_rfc3339(rfc3339).value(); }

inline const UnixNanos kFrom = at("2026-10-01T00:00:00Z");
inline const UnixNanos kTo = at("2026-11-01T00:00:00Z");
inline const UnixNanos kNow = at("2026-11-10T12:00:00Z");

/// Texts a test may make hostile; the defaults are the plain worked history.
struct Texts {
  std::string title_b = "Checkout pool exhausted";
  std::string root_cause_b = "The connection pool was sized for last year's traffic.";
  std::vector<std::string> lessons_b = {"Pools need a load test.", "Dashboards lie when empty."};
  std::string owner_d1 = "bob";
  std::string source_e = "alertname=\"DiskFull\",service=\"db\"";
  std::string related_title = "Disk filled by logs";
};

inline Incident incident(const char* id, const char* opened, const char* resolved,
                         const char* severity, const std::string& source = "") {
  Incident i;
  i.id = id;
  i.source = source.empty() ? std::string("alertname=\"X\",service=\"") + id + "\"" : source;
  i.opened_at = at(opened);
  if (resolved[0] != '\0') {
    i.state = IncidentState::kResolved;
    i.resolved_at = at(resolved);
  }
  i.severities = {severity};
  return i;
}

inline std::vector<Incident> incidents(const Texts& texts = {}) {
  std::vector<Incident> list = {
      incident("inc-a", "2026-09-28T10:00:00Z", "2026-10-02T10:00:00Z", "critical"),
      incident("inc-b", "2026-10-05T08:00:00Z", "2026-10-05T09:00:00Z", "critical"),
      incident("inc-c", "2026-10-12T08:00:00Z", "2026-10-12T10:00:00Z", "warning"),
      incident("inc-d", "2026-10-20T08:00:00Z", "2026-10-20T09:00:00Z", "warning"),
      incident("inc-e", "2026-10-25T08:00:00Z", "2026-10-25T12:00:00Z", "critical", texts.source_e),
      incident("inc-f", "2026-11-03T08:00:00Z", "", "critical"),
      incident("inc-old", "2026-08-01T00:00:00Z", "2026-08-02T00:00:00Z", "critical"),
  };
  list[2].repeat =
      RepeatInfo{2, {"inc-x"}, {{"RCA-X", "Cache stampede", 2, 0}}, 0, true, {"prevent"}};
  list[4].repeat =
      RepeatInfo{3, {"inc-y", "inc-z"}, {{"RCA-Y", texts.related_title, 3, 2}}, 2, false, {}};
  return list;
}

inline json item(const char* id, const char* priority, const std::string& owner, const char* due,
                 const char* status, const char* completed_at = nullptr) {
  json doc = {{"id", id},          {"title", std::string("Item ") + id},
              {"type", "prevent"}, {"priority", priority},
              {"owner", owner},    {"due", due},
              {"status", status}};
  if (completed_at) doc["completed_at"] = completed_at;
  return doc;
}

inline Rca loaded(const json& doc) {
  auto rca = load_rca(doc);
  if (!rca) throw std::runtime_error("invalid RCA " + doc.dump() + ": " + rca.error().message());
  return *rca;
}

inline std::vector<Rca> rcas(const Texts& texts = {}) {
  std::vector<Rca> list;
  list.push_back(loaded({{"id", "RCA-A"},
                         {"title", "Payments down after certificate expiry"},
                         {"status", "published"},
                         {"severity", "critical"},
                         {"incidents", {"inc-a", "inc-old"}},
                         {"root_cause", "Nobody owned the certificate renewal."},
                         {"lessons_learned", {"Every credential with an expiry needs an owner."}},
                         {"published_at", "2026-10-06T10:00:00Z"},
                         {"action_items",
                          {item("A1", "P0", "alice", "2026-10-10", "done", "2026-10-09T15:00:00Z"),
                           item("A2", "P1", "bob", "2026-10-15", "done", "2026-10-20T10:00:00Z"),
                           item("A3", "P1", "alice", "2026-10-28", "in_progress"),
                           item("A4", "P2", "carol", "2026-09-30", "open")}}}));
  list.push_back(
      loaded({{"id", "RCA-B"},
              {"title", texts.title_b},
              {"status", "published"},
              {"incidents", {"inc-b"}},
              {"root_cause", texts.root_cause_b},
              {"lessons_learned", texts.lessons_b},
              {"published_at", "2026-10-20T09:00:00Z"},
              {"action_items",
               {item("B1", "P0", "bob", "2026-11-05", "open"),
                item("B2", "P3", "dave", "2026-10-01", "wont_do", "2026-10-02T00:00:00Z")}}}));
  list.push_back(loaded({{"id", "RCA-C"},
                         {"title", "Cache stampede again"},
                         {"status", "waived"},
                         {"waiver_reason", "Known, tracked in RCA-X."},
                         {"incidents", {"inc-c"}},
                         {"created_at", "2026-11-09T12:00:00Z"}}));
  list.push_back(
      loaded({{"id", "RCA-OLD"},
              {"title", "Old outage"},
              {"status", "published"},
              {"incidents", {"inc-old"}},
              {"root_cause", "Old."},
              {"published_at", "2026-08-10T00:00:00Z"},
              {"action_items",
               {item("O1", "P1", "carol", "2026-10-01", "done", "2026-09-30T12:00:00Z")}}}));
  list.push_back(loaded({{"id", "RCA-D"},
                         {"title", "Draft in progress"},
                         {"status", "draft"},
                         {"action_items",
                          {item("D1", "P0", texts.owner_d1, "2026-10-20", "open"),
                           item("D2", "P2", "alice", "2026-10-31", "done"),
                           item("D3", "P3", "alice", "2026-08-31", "open")}}}));
  return list;
}

}  // namespace pmx::digest_history
