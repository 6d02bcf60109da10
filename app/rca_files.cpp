#include "rca_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "pmx/log/log.h"
#include "pmx/receiver/json_body.h"

namespace pmx {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void log_problems(const fs::path& file, const Error& error) {
  if (error.problems.empty()) {
    log_error("RCA file skipped",
              {{"file", quoted(file.string())}, {"err", quoted(error.message())}});
  }
  for (const auto& problem : error.problems) {
    log_error("RCA file skipped", {{"file", quoted(file.string())},
                                   {"field", quoted(problem.path)},
                                   {"err", quoted(problem.message)}});
  }
}

/// An entry that is not loaded: named, with why, never with its content.
void log_skip(const fs::path& file, const std::string& why) {
  log_warn("RCA file skipped", {{"file", quoted(file.string())}, {"err", quoted(why)}});
}

/// True when `path` (canonical) lies inside `dir` (canonical), at any depth.
bool inside(const fs::path& path, const fs::path& dir) {
  const fs::path relative = path.lexically_relative(dir);
  return !relative.empty() && *relative.begin() != ".." && *relative.begin() != ".";
}

/// The text of the regular file `path`, or why it cannot be had. Opened without following a
/// symlink and without blocking (a FIFO swapped in after the checks would hang the reload),
/// checked on the open descriptor, and read up to `max_bytes` only: a 1 GB file is refused by
/// its size, not read.
std::optional<std::string> read_capped(const fs::path& path, std::size_t max_bytes,
                                       std::string& why) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    why = std::string("cannot open: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::optional<std::string> text;
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    why = std::string("cannot stat: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    why = "not a regular file";
  } else if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    why = "larger than --web.max-request-bytes (" + std::to_string(st.st_size) + " > " +
          std::to_string(max_bytes) + " bytes)";
  } else {
    // One byte more than the size: a file that grew since the fstat shows, and is refused.
    std::string buffer(static_cast<std::size_t>(st.st_size) + 1, '\0');
    std::size_t size = 0;
    while (size < buffer.size()) {
      const ssize_t n = ::read(fd, buffer.data() + size, buffer.size() - size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (n < 0) why = std::string("cannot read: ") + std::strerror(errno);
        break;
      }
      size += static_cast<std::size_t>(n);
    }
    if (size == buffer.size()) {
      why = "changed while read";
    } else if (why.empty()) {
      buffer.resize(size);
      text = std::move(buffer);
    }
  }
  ::close(fd);
  return text;
}

/// Loads one file. Returns the RCA id it stands for (its "id", else the file name), valid or
/// not: an RCA whose file turned invalid keeps its last good version rather than vanishing.
std::string load_file(const fs::path& file, const std::string& text, Queries& queries,
                      RcaService& rcas, UnixNanos now, RcaDirReport& report) {
  // The same parser as the API: its message names the byte and the reason, never the text
  // (a file that is not JSON could be anything, secrets included).
  auto parsed = parse_json(text);
  if (!parsed) {
    ++report.invalid;
    log_problems(file, parsed.error());
    return file.stem().string();
  }
  const json document = std::move(*parsed);
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

/// The `*.json` entries of `dir` (dot files aside: a ConfigMap volume's ..data and
/// dot-directories), sorted. Never throws: an entry the iterator cannot read ends the listing
/// with a logged error.
std::set<fs::path> json_entries(const fs::path& dir, std::error_code& ec) {
  std::set<fs::path> entries;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() == ".json" && path.filename().string()[0] != '.') entries.insert(path);
  }
  return entries;
}

}  // namespace

RcaDirReport load_rca_dir(const std::string& dir, std::size_t max_file_bytes, Queries& queries,
                          RcaService& rcas, UnixNanos now) {
  RcaDirReport report;
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  const std::set<fs::path> entries = ec ? std::set<fs::path>{} : json_entries(root, ec);
  if (ec) {
    // Nothing is removed either: a folder that cannot be read says nothing about its files.
    log_error("cannot read --rca.dir", {{"dir", quoted(dir)}, {"err", quoted(ec.message())}});
    return report;
  }
  std::set<std::string> present;
  for (const auto& entry : entries) {
    // Follow the symlinks (a ConfigMap's files are links through ..data), then insist on where
    // they lead: inside the folder, a regular file, small enough.
    const fs::path target = fs::canonical(entry, ec);
    std::string why;
    std::optional<std::string> text;
    if (ec) {
      why = "cannot resolve: " + ec.message();
    } else if (!inside(target, root)) {
      why = "a symlink out of --rca.dir";
    } else {
      text = read_capped(target, max_file_bytes, why);
    }
    if (!text) {
      ++report.invalid;
      log_skip(entry, why);
      // A file RCA whose file cannot be read now keeps its last good version.
      present.insert(entry.stem().string());
      continue;
    }
    present.insert(load_file(entry, *text, queries, rcas, now, report));
  }
  const auto all = queries.rcas({});
  if (all) {
    for (const auto& rca : *all) {
      if (!rca.from_file || present.count(rca.id)) continue;
      if (rcas.remove(rca.id, RcaOrigin::kFile)) ++report.removed;
    }
  }
  log_info("RCA files loaded", {{"dir", quoted(dir)},
                                {"loaded", report.loaded},
                                {"unchanged", report.unchanged},
                                {"invalid", report.invalid},
                                {"removed", report.removed}});
  return report;
}

}  // namespace pmx
