// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Authenticator: wallet sign-in (challenge → signature → session JWT). Verification failures
// raise UnauthenticatedError with the library's reason.
#include <chrono>
#include <cmath>

#include "common.h"
#include "streamgate/authenticator.h"

namespace streamgate::python {
namespace {

// Shares the nonce cache so Python may drop its own reference to it.
struct PyAuthenticator {
  std::shared_ptr<Cache> nonces;
  std::unique_ptr<Authenticator> auth;
};

}  // namespace

void BindAuth(py::module_& m) {
  py::class_<Challenge> challenge_cls(m, "Challenge", "What the wallet must sign.");
  challenge_cls.def_readonly("nonce", &Challenge::nonce)
      .def_readonly("address", &Challenge::address)
      .def_readonly("chain", &Challenge::chain)
      .def_readonly("scheme_hint", &Challenge::scheme_hint)
      .def_readonly("message", &Challenge::message)
      .def_readonly("typed_data", &Challenge::typed_data)
      .def_readonly("issued_at", &Challenge::issued_at)
      .def_readonly("expiration_time", &Challenge::expiration_time)
      .def_readonly("expires_at", &Challenge::expires_at);
  AddRepr(challenge_cls, "Challenge", {"nonce", "address", "chain", "scheme_hint", "expires_at"});

  py::class_<SessionClaims> claims_cls(m, "SessionClaims");
  claims_cls.def_readonly("sub", &SessionClaims::sub)
      .def_readonly("chain", &SessionClaims::chain)
      .def_readonly("iss", &SessionClaims::iss)
      .def_readonly("aud", &SessionClaims::aud)
      .def_readonly("jti", &SessionClaims::jti)
      .def_readonly("scheme", &SessionClaims::scheme)
      .def_readonly("iat", &SessionClaims::iat)
      .def_readonly("exp", &SessionClaims::exp);
  AddRepr(claims_cls, "SessionClaims", {"sub", "chain", "scheme", "iss", "aud", "iat", "exp"});

  py::class_<Session> session_cls(m, "Session");
  session_cls.def_readonly("token", &Session::token).def_readonly("claims", &Session::claims);
  AddRepr(session_cls, "Session", {"claims"});

  const AuthenticatorOptions defaults;
  py::class_<PyAuthenticator>(m, "Authenticator", "Wallet sign-in: SIWE, EIP-191, EIP-712, Solana.")
      .def(py::init([](std::string domain, std::string uri, std::string statement,
                       std::vector<uint64_t> allowed_chain_ids, bool allow_solana,
                       int64_t nonce_ttl_s, int64_t clock_skew_s, int64_t session_ttl_s,
                       std::string issuer, std::string audience, std::string jwt_keys,
                       std::string jwt_key_file, const std::string& jwt_algorithm,
                       std::shared_ptr<Cache> nonces, const py::object& clock) {
             AuthenticatorOptions options;
             options.domain = std::move(domain);
             options.uri = std::move(uri);
             options.statement = std::move(statement);
             options.allowed_chain_ids = std::move(allowed_chain_ids);
             options.allow_solana = allow_solana;
             options.nonce_ttl_s = nonce_ttl_s;
             options.clock_skew_s = clock_skew_s;
             options.session_ttl_s = session_ttl_s;
             options.issuer = std::move(issuer);
             options.audience = std::move(audience);
             options.jwt_keys = std::move(jwt_keys);
             options.jwt_key_file = std::move(jwt_key_file);
             if (jwt_algorithm == "HS256" || jwt_algorithm == "hs256") {
               options.jwt_algorithm = SessionTokenAlgorithm::kHs256;
             } else if (jwt_algorithm == "EdDSA" || jwt_algorithm == "eddsa") {
               options.jwt_algorithm = SessionTokenAlgorithm::kEdDsa;
             } else {
               Check(Status::InvalidArgument("jwt_algorithm must be \"HS256\" or \"EdDSA\""));
             }
             if (!clock.is_none()) {
               // clock() returns Unix seconds (int or float), like time.time.
               PyCallable fn(clock);
               options.clock = [fn] {
                 py::gil_scoped_acquire gil;
                 try {
                   const double seconds = fn().cast<double>();
                   return std::chrono::system_clock::time_point(
                       std::chrono::duration_cast<std::chrono::system_clock::duration>(
                           std::chrono::duration<double>(seconds)));
                 } catch (py::error_already_set& e) {
                   // No exception may unwind through the library: fall back to the real clock.
                   e.discard_as_unraisable("streamgate.Authenticator clock");
                 } catch (const py::cast_error&) {
                   PyErr_WarnEx(PyExc_RuntimeWarning, "clock() did not return a number", 1);
                 }
                 return std::chrono::system_clock::now();
               };
             }
             auto holder = std::make_unique<PyAuthenticator>();
             holder->nonces = nonces ? std::move(nonces) : std::shared_ptr<Cache>(NewLruCache());
             holder->auth = Unwrap(Authenticator::Create(std::move(options), holder->nonces));
             return holder;
           }),
           py::kw_only(), py::arg("domain") = defaults.domain, py::arg("uri") = defaults.uri,
           py::arg("statement") = defaults.statement,
           py::arg("allowed_chain_ids") = defaults.allowed_chain_ids,
           py::arg("allow_solana") = defaults.allow_solana,
           py::arg("nonce_ttl_s") = defaults.nonce_ttl_s,
           py::arg("clock_skew_s") = defaults.clock_skew_s,
           py::arg("session_ttl_s") = defaults.session_ttl_s, py::arg("issuer") = defaults.issuer,
           py::arg("audience") = defaults.audience, py::arg("jwt_keys") = "",
           py::arg("jwt_key_file") = "", py::arg("jwt_algorithm") = "HS256",
           py::arg("nonces") = nullptr, py::arg("clock") = py::none())
      .def(
          "issue_challenge",
          [](PyAuthenticator& a, std::string address, std::string chain) {
            py::gil_scoped_release release;
            return Unwrap(a.auth->IssueChallenge({std::move(address), std::move(chain)}));
          },
          py::arg("address"), py::arg("chain") = "")
      .def(
          "verify",
          [](PyAuthenticator& a, std::string scheme, std::string address, std::string message,
             std::string signature) {
            VerifySignatureRequest request{std::move(scheme), std::move(address),
                                           std::move(message), std::move(signature)};
            py::gil_scoped_release release;
            return Unwrap(a.auth->VerifySignature(request));
          },
          py::kw_only(), py::arg("scheme"), py::arg("address"), py::arg("message"),
          py::arg("signature"),
          "Verifies a signed challenge (burning its nonce) and returns the Session.")
      .def(
          "verify_session_token",
          [](const PyAuthenticator& a, const std::string& token) {
            py::gil_scoped_release release;
            return Unwrap(a.auth->VerifySessionToken(token));
          },
          py::arg("token"))
      .def(
          "verify_bearer",
          [](const PyAuthenticator& a, const std::string& header) {
            py::gil_scoped_release release;
            return Unwrap(a.auth->VerifyBearer(header));
          },
          py::arg("authorization_header"));
}

}  // namespace streamgate::python
