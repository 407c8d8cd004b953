#pragma once
// libpq(): libpq's functions, loaded with dlopen on first use. Only a postgresql:// outbox needs
// libpq, and linking it would map it and the twenty-odd libraries it pulls in (Kerberos, LDAP,
// GnuTLS, a second OpenSSL) into every gateway at every start: about 5 ms of each exec, a
// quarter of the start-up budget, for the embedded default that never calls it. The types
// (PGconn, PGresult, ...) still come from libpq-fe.h. Loading is thread-safe and happens once;
// the library stays loaded for the life of the process.

#include <libpq-fe.h>

#include <stdexcept>

namespace paygate::notify {

// The libpq functions paygate calls, each named as in libpq-fe.h.
struct Libpq {
  decltype(&::PQconnectdbParams) PQconnectdbParams;
  decltype(&::PQstatus) PQstatus;
  decltype(&::PQerrorMessage) PQerrorMessage;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
  decltype(&::PQfinish) PQfinish;
  decltype(&::PQsocket) PQsocket;
  decltype(&::PQconsumeInput) PQconsumeInput;
  decltype(&::PQnotifies) PQnotifies;
  decltype(&::PQfreemem) PQfreemem;
  decltype(&::PQexec) PQexec;
  decltype(&::PQprepare) PQprepare;
  decltype(&::PQexecPrepared) PQexecPrepared;
  decltype(&::PQexecParams) PQexecParams;
  decltype(&::PQclear) PQclear;
  decltype(&::PQresultStatus) PQresultStatus;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage;
  decltype(&::PQresultErrorField) PQresultErrorField;
  decltype(&::PQntuples) PQntuples;
  decltype(&::PQgetvalue) PQgetvalue;
  decltype(&::PQgetlength) PQgetlength;
  decltype(&::PQgetisnull) PQgetisnull;
  decltype(&::PQcmdTuples) PQcmdTuples;
  decltype(&::PQconninfoParse) PQconninfoParse;
  decltype(&::PQconninfoFree) PQconninfoFree;
};

// libpq.so.5 or one of its functions could not be loaded (the message says which, and why).
class LibpqUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Loads libpq on the first call. Throws LibpqUnavailable, on this and every later call, when it
// cannot.
const Libpq& libpq();

}  // namespace paygate::notify
