#include "tls_certificates.h"

#include <fstream>
#include <stdexcept>
#include <vector>

#include "command.h"
#include "process.h"

namespace pmx::testing {
namespace {

const std::vector<std::string> kEcKey = {"-newkey", "ec", "-pkeyopt",
                                         "ec_paramgen_curve:prime256v1", "-nodes"};

void openssl(std::vector<std::string> args) {
  args.insert(args.begin(), "openssl");
  const auto result = run_command(args, "", std::chrono::seconds(20));
  if (!result.succeeded()) {
    throw std::runtime_error("openssl " + args[1] + " failed: " + result.output);
  }
}

/// `openssl req` with a new EC key: a self-signed certificate when `x509`, else a request.
void request(const std::string& subject, const std::string& key, const std::string& out, bool x509,
             const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"req"};
  if (x509) args.insert(args.end(), {"-x509", "-days", "2"});
  args.insert(args.end(), kEcKey.begin(), kEcKey.end());
  args.insert(args.end(), {"-subj", subject, "-keyout", key, "-out", out});
  args.insert(args.end(), extra.begin(), extra.end());
  openssl(args);
}

}  // namespace

Certificate make_self_signed_certificate(const std::string& dir, const std::string& name) {
  Certificate c{dir + "/" + name + ".crt", dir + "/" + name + ".key"};
  request("/CN=localhost", c.key, c.cert, true,
          {"-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"});
  return c;
}

TestCertificates::TestCertificates() : dir_(make_temp_dir("pmx-tls")) {
  std::ofstream(path("server.ext")) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                                       "extendedKeyUsage=serverAuth\n";
  std::ofstream(path("client.ext")) << "extendedKeyUsage=clientAuth\n";
  // `openssl ca` is the tool that takes any start and end date: the expired certificate.
  std::ofstream(path("ca.cnf")) << "[ca]\ndefault_ca=test\n[test]\ndir=" << dir_
                                << "\ndatabase=$dir/index.txt\nserial=$dir/serial\n"
                                   "new_certs_dir=$dir\ndefault_md=sha256\npolicy=any\n"
                                   "[any]\ncommonName=supplied\n";
  std::ofstream(path("index.txt"));
  std::ofstream(path("serial")) << "1000\n";
  for (const std::string ca : {"ca", "other-ca"}) {
    request("/CN=" + ca, path(ca + ".key"), path(ca + ".crt"), true);
  }
  request("/CN=localhost", path("server.key"), path("server.csr"), false);
  request("/CN=postmortem-exporter", path("client.key"), path("client.csr"), false);
  for (const std::string name : {"server", "client"}) {
    openssl({"x509", "-req", "-in", path(name + ".csr"), "-CA", ca(), "-CAkey", path("ca.key"),
             "-CAcreateserial", "-days", "2", "-extfile", path(name + ".ext"), "-out",
             path(name + ".crt")});
  }
  openssl({"ca", "-batch", "-config", path("ca.cnf"), "-cert", ca(), "-keyfile", path("ca.key"),
           "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-extfile",
           path("server.ext"), "-in", path("server.csr"), "-out", path("expired.crt")});
}

}  // namespace pmx::testing
