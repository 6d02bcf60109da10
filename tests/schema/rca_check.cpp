// rca-check FILE...: loads each RCA document with pmx::load_rca and says, like `ajv validate`,
// "FILE valid" (stdout) or "FILE invalid" (stderr, followed by one "  /path: message" line per
// problem). Exit status: 0 all valid, 1 some invalid, 2 a file unreadable or not JSON.
// tests/schema/ajv_agrees_test.sh compares its verdicts with ajv's.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <variant>
#include <vector>

#include "pmx/core/rca_loader.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: rca-check FILE...\n";
    return 2;
  }
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << argv[i] << ": cannot read\n";
      return 2;
    }
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
      std::cerr << argv[i] << ": not JSON: " << e.what() << "\n";
      return 2;
    }
    const auto loaded = pmx::load_rca(doc);
    if (loaded.ok()) {
      std::cout << argv[i] << " valid\n";
      continue;
    }
    std::cerr << argv[i] << " invalid\n";
    for (const auto& problem : loaded.error().problems) {
      std::cerr << "  " << (problem.path.empty() ? "/" : problem.path) << ": " << problem.message
                << "\n";
    }
    status = 1;
  }
  return status;
}
