#include "notify/libpq.h"

#include <dlfcn.h>

#include <optional>
#include <string>

namespace paygate::notify {
namespace {

// The soname of Debian's libpq5 package (libpq's ABI has kept major version 5 since 2006).
constexpr const char* kLibrary = "libpq.so.5";

struct Loaded {
  Libpq api{};
  std::string error;  // empty when every function was found
};

template <typename Function>
bool resolve(void* library, const char* name, Function& out, std::string& error) {
  out = reinterpret_cast<Function>(dlsym(library, name));
  if (out == nullptr) error = std::string(kLibrary) + " has no " + name;
  return out != nullptr;
}

Loaded load() {
  Loaded loaded;
  void* library = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* why = dlerror();
    loaded.error = std::string("cannot load ") + kLibrary +
                   " (install libpq5): " + (why != nullptr ? why : "unknown error");
    return loaded;
  }
  Libpq& a = loaded.api;
  std::string& e = loaded.error;
  // Stops at the first missing function; `e` names it.
  (void)(resolve(library, "PQconnectdbParams", a.PQconnectdbParams, e) &&
         resolve(library, "PQstatus", a.PQstatus, e) &&
         resolve(library, "PQerrorMessage", a.PQerrorMessage, e) &&
         resolve(library, "PQsetNoticeProcessor", a.PQsetNoticeProcessor, e) &&
         resolve(library, "PQfinish", a.PQfinish, e) &&
         resolve(library, "PQsocket", a.PQsocket, e) &&
         resolve(library, "PQconsumeInput", a.PQconsumeInput, e) &&
         resolve(library, "PQnotifies", a.PQnotifies, e) &&
         resolve(library, "PQfreemem", a.PQfreemem, e) && resolve(library, "PQexec", a.PQexec, e) &&
         resolve(library, "PQprepare", a.PQprepare, e) &&
         resolve(library, "PQexecPrepared", a.PQexecPrepared, e) &&
         resolve(library, "PQexecParams", a.PQexecParams, e) &&
         resolve(library, "PQclear", a.PQclear, e) &&
         resolve(library, "PQresultStatus", a.PQresultStatus, e) &&
         resolve(library, "PQresultErrorMessage", a.PQresultErrorMessage, e) &&
         resolve(library, "PQresultErrorField", a.PQresultErrorField, e) &&
         resolve(library, "PQntuples", a.PQntuples, e) &&
         resolve(library, "PQgetvalue", a.PQgetvalue, e) &&
         resolve(library, "PQgetlength", a.PQgetlength, e) &&
         resolve(library, "PQgetisnull", a.PQgetisnull, e) &&
         resolve(library, "PQcmdTuples", a.PQcmdTuples, e) &&
         resolve(library, "PQconninfoParse", a.PQconninfoParse, e) &&
         resolve(library, "PQconninfoFree", a.PQconninfoFree, e));
  return loaded;
}

}  // namespace

const Libpq& libpq() {
  static const Loaded loaded = load();  // thread-safe, once
  if (!loaded.error.empty()) throw LibpqUnavailable(loaded.error);
  return loaded.api;
}

}  // namespace paygate::notify
