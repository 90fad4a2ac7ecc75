// Sandbox probe in C++: replaces the C++ template's main.cpp in a test and reports, from inside
// the guest, what opening a host file and reading the environment give. Files through <cstdio>:
// Debian's libc++ for wasm32 is built without file streams (<fstream> does not compile). Built on
// the template's node kit (nlink.hpp).
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "nlink.hpp"

extern char **environ;

nlink::Result nlink_node(const nlink::Item &) {
  errno = 0;
  std::FILE *read = std::fopen("/etc/passwd", "r");
  bool read_opened = read != nullptr;
  int read_errno = errno;
  if (read) std::fclose(read);
  errno = 0;
  std::FILE *write = std::fopen("/tmp/nlink-probe", "w");
  bool write_opened = write != nullptr;
  int write_errno = errno;
  if (write) std::fclose(write);
  int env_count = 0;
  for (char **e = environ; e && *e; e++) env_count++;

  return nlink::output({{
      {"read_opened", read_opened},
      {"read_enoent", read_errno == ENOENT},
      {"write_opened", write_opened},
      {"write_enoent", write_errno == ENOENT},
      {"env_count", env_count},
      {"home_set", std::getenv("HOME") != nullptr},
  }});
}
