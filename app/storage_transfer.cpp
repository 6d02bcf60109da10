#include "storage_transfer.h"

#include <chrono>
#include <cstdio>
#include <fstream>

#include "pmx/log/log.h"
#include "pmx/store/dump_file.h"
#include "pmx/store/memory_store.h"
#include "pmx/store/redis_store.h"
#include "pmx/store/sqlite_store.h"

namespace pmx {
namespace {

std::string store_kind(Store& store) {
  if (dynamic_cast<SqliteStore*>(&store)) return "sqlite";
  if (dynamic_cast<RedisStore*>(&store)) return "redis";
  return "memory";
}

void log_done(const char* what, const std::string& kind, const DumpSummary& summary,
              const std::string& path) {
  log_info(what, {{"store", kind},
                  {"file", quoted(path)},
                  {"records", summary.records},
                  {"sources", summary.sources},
                  {"incidents", summary.incidents},
                  {"rcas", summary.rcas}});
}

// Written beside the target and renamed when whole, so a failed export never leaves a file
// under the name asked for.
int export_to_file(StoreTransfer& store, const std::string& kind, const std::string& path) {
  const std::string partial = path + ".partial";
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  if (!out) {
    log_critical("export failed", {{"err", quoted("cannot create " + partial)}});
    return 1;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto exported = export_dump(
      store, out,
      DumpHeader{kind, std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()});
  out.close();
  if (!exported || !out || std::rename(partial.c_str(), path.c_str()) != 0) {
    std::remove(partial.c_str());
    const std::string why = exported ? "cannot write " + path : exported.error().message();
    log_critical("export failed", {{"store", kind}, {"err", quoted(why)}});
    return 1;
  }
  log_done("exported the store", kind, *exported, path);
  return 0;
}

}  // namespace

void add_transfer_flags(CLI::App& app, TransferFlags& flags) {
  app.add_option(
      "--storage.export", flags.export_path,
      "Write everything the store (chosen by the other --storage.*/--redis.* flags) holds to "
      "this file (schema/dump.md) and exit; stop the daemon that uses the store first");
  app.add_option("--storage.import", flags.import_path,
                 "Fill the store, which must be empty, from a file of --storage.export and exit");
}

int run_transfer(const TransferFlags& flags,
                 const std::function<std::unique_ptr<Store>()>& open_store) {
  const bool exporting = !flags.export_path.empty();
  const char* action = exporting ? "export failed" : "import failed";
  if (exporting && !flags.import_path.empty()) {
    log_critical(action, {{"err", quoted("--storage.export and --storage.import are two runs: "
                                         "export from one store, then import into the other")}});
    return 1;
  }
  std::unique_ptr<Store> store;
  try {
    store = open_store();
  } catch (const std::exception& e) {
    std::string why = e.what();
    // SqliteStore's lock: the database belongs to a running daemon.
    if (why.find("in use by another process") != std::string::npos) {
      why +=
          ". Stop the daemon first, or copy the database while it runs with "
          "sqlite3 <file> \".backup copy.db\" and export the copy (--storage.path=<its dir>)";
    }
    log_critical(action, {{"err", quoted(why)}});
    return 1;
  }
  auto* transfer = dynamic_cast<StoreTransfer*>(store.get());
  const std::string kind = store_kind(*store);
  if (transfer == nullptr || kind == "memory") {
    log_critical(action, {{"err", quoted("the in-memory store keeps nothing across runs: name "
                                         "the SQLite directory or the Redis to move")}});
    return 1;
  }
  if (exporting) {
    // An empty SQLite store is most likely a --storage.path that names another directory.
    const auto empty = transfer->empty();
    if (empty.ok() && *empty)
      log_warn("the store is empty: the dump holds nothing", {{"store", kind}});
    return export_to_file(*transfer, kind, flags.export_path);
  }
  const auto imported = import_dump(flags.import_path, *transfer);
  if (!imported) {
    log_critical(action, {{"store", kind}, {"err", quoted(imported.error().message())}});
    return 1;
  }
  log_done("imported the dump", kind, *imported, flags.import_path);
  return 0;
}

}  // namespace pmx
