#pragma once
// --storage.export / --storage.import: the daemon's binary moves all a store holds into a dump
// file, or from one into an empty store (schema/dump.md), and exits. No HTTP server starts.
#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "pmx/store/store.h"

namespace pmx {

struct TransferFlags {
  std::string export_path;  ///< --storage.export
  std::string import_path;  ///< --storage.import
  bool requested() const { return !export_path.empty() || !import_path.empty(); }
};

void add_transfer_flags(CLI::App& app, TransferFlags& flags);

/// Opens the store the other flags name (`open_store`, which may throw as at start-up), runs
/// the export or import, logs what it did and returns the exit code: 0 on success, 1 with an
/// error naming the problem (a store in use by a daemon, a target that is not empty, the line
/// of a bad dump).
int run_transfer(const TransferFlags& flags,
                 const std::function<std::unique_ptr<Store>()>& open_store);

}  // namespace pmx
