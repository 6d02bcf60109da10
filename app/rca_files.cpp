#include "rca_files.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "pmx/core/logfmt.h"

namespace pmx {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void log_problems(const fs::path& file, const Error& error) {
  if (error.problems.empty()) {
    spdlog::error("msg=\"RCA file skipped\" file={} err={}", logfmt_quote(file.string()),
                  logfmt_quote(error.message()));
  }
  for (const auto& problem : error.problems) {
    spdlog::error("msg=\"RCA file skipped\" file={} field={} err={}", logfmt_quote(file.string()),
                  logfmt_quote(problem.path), logfmt_quote(problem.message));
  }
}

/// Loads one file. Returns the RCA id it stands for (its "id", else the file name), valid or
/// not: an RCA whose file turned invalid keeps its last good version rather than vanishing.
std::string load_file(const fs::path& file, Queries& queries, RcaService& rcas, UnixNanos now,
                      RcaDirReport& report) {
  std::ifstream in(file);
  json document;
  try {
    document = json::parse(in);
  } catch (const json::exception& e) {
    ++report.invalid;
    spdlog::error("msg=\"RCA file skipped\" file={} err={}", logfmt_quote(file.string()),
                  logfmt_quote(e.what()));
    return file.stem().string();
  }
  const std::string id = document.is_object() && document.value("id", json()).is_string()
                             ? document["id"].get<std::string>()
                             : file.stem().string();
  const auto existing = queries.rca(id);
  if (existing && existing->from_file && existing->document == document) {
    ++report.unchanged;
    return id;
  }
  const auto written = rcas.put(id, document, now, RcaOrigin::kFile);
  if (!written) {
    ++report.invalid;
    log_problems(file, written.error());
    return id;
  }
  ++report.loaded;
  return id;
}

}  // namespace

RcaDirReport load_rca_dir(const std::string& dir, Queries& queries, RcaService& rcas,
                          UnixNanos now) {
  RcaDirReport report;
  std::error_code ec;
  std::set<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    // ConfigMap volumes hold ..data symlinks and dot-directories: only plain *.json files count.
    if (entry.path().extension() == ".json" && entry.path().filename().string()[0] != '.' &&
        entry.is_regular_file()) {
      files.insert(entry.path());
    }
  }
  if (ec) {
    spdlog::error("msg=\"cannot read --rca.dir\" dir={} err={}", logfmt_quote(dir), logfmt_quote(ec.message()));
    return report;
  }
  std::set<std::string> present;
  for (const auto& file : files) {
    present.insert(load_file(file, queries, rcas, now, report));
  }
  const auto all = queries.rcas({});
  if (all) {
    for (const auto& rca : *all) {
      if (!rca.from_file || present.count(rca.id)) continue;
      if (rcas.remove(rca.id, RcaOrigin::kFile)) ++report.removed;
    }
  }
  spdlog::info("msg=\"RCA files loaded\" dir={} loaded={} unchanged={} invalid={} removed={}",
               logfmt_quote(dir), report.loaded, report.unchanged, report.invalid, report.removed);
  return report;
}

}  // namespace pmx
