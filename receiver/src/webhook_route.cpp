#include "http_util.h"
#include "pmx/log/log.h"
#include "pmx/receiver/webhook_decoder.h"
#include "routes.h"

namespace pmx {

void install_webhook_route(Routes& routes, HttpDependencies deps) {
  // Read the body through a content reader: httplib would otherwise parse bodies sent as
  // application/x-www-form-urlencoded (curl -d's default) as a form, with its own 8 KiB cap.
  routes.Post("/api/v1/webhook", [deps](const httplib::Request& req, httplib::Response& res,
                                        const httplib::ContentReader& content_reader) {
    const UnixNanos received_at = deps.now();
    IngestMetrics& metrics = deps.telemetry.ingest();
    const auto answer = [&](int status) { metrics.webhook_answered(status); };

    std::string body;
    const bool complete = content_reader([&body](const char* data, std::size_t length) {
      body.append(data, length);
      return true;
    });
    if (!complete) {
      // httplib sets 413 when the body passes --web.max-request-bytes; anything else is a
      // broken or truncated upload.
      if (res.status == 413) {
        send_error(res, 413, "request body exceeds --web.max-request-bytes");
      } else {
        send_error(res, 400, "could not read the request body");
      }
      return answer(res.status);
    }

    if (!authorized(deps.authenticator, req, res)) {
      log_warn("webhook rejected", {{"reason", "unauthorized"}, {"remote", req.remote_addr}});
      return answer(401);
    }
    auto decoded = decode_webhook(body);
    if (!decoded) {
      // 400, not the 422 of a rejected RCA: what Alertmanager and its users expect of a
      // payload this receiver cannot take (and 4xx is final: no retry).
      const Error& error = decoded.error();
      send_error(res, 400, error.message(), error.field);
      log_warn("webhook rejected",
               {{"reason", quoted(error.message())}, {"remote", req.remote_addr}});
      return answer(400);
    }
    WebhookMessage& message = *decoded;
    const std::size_t alerts = message.alerts.size();

    const auto counts = deps.ingestor.ingest(std::move(message.alerts), received_at);
    if (!counts && counts.error().code == ErrorCode::kInvalid) {
      // A source whose every candidate id another source holds: permanent, so 4xx (no retry).
      send_error(res, counts.error());
      log_warn("webhook rejected",
               {{"reason", quoted(counts.error().message())}, {"remote", req.remote_addr}});
      return answer(422);
    }
    if (!counts) {
      metrics.store_error();
      send_error(res, counts.error());
      log_error("webhook not stored, Alertmanager will retry",
                {{"err", quoted(counts.error().message())}, {"alerts", alerts}});
      return answer(503);
    }
    // Counted only once stored: a 503'd webhook comes back and must not count twice.
    metrics.alerts_ingested(*counts);
    if (message.truncated_alerts > 0) {
      metrics.alerts_truncated(message.truncated_alerts);
      log_warn("Alertmanager truncated a notification (max_alerts); those alerts are not seen here",
               {{"truncated", message.truncated_alerts}, {"group_key", quoted(message.group_key)}});
    }
    log_debug("webhook stored", {{"alerts", alerts},
                                 {"occurrences", counts->occurrences},
                                 {"duplicates", counts->duplicates},
                                 {"ignored", counts->ignored}});
    send_json(res, 200,
              {{"status", "ok"},
               {"alerts", alerts},
               {"occurrences", counts->occurrences},
               {"duplicates", counts->duplicates},
               {"ignored", counts->ignored},
               {"truncated", message.truncated_alerts}});
    answer(200);
  });
}

}  // namespace pmx
