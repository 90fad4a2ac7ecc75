// Sandbox probe in C++: replaces the C++ template's main.cpp in a test and reports, from inside
// the guest, what opening a host file and reading the environment give. Files through <cstdio>:
// Debian's libc++ for wasm32 is built without file streams (<fstream> does not compile).
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#define EXPORT(name) __attribute__((export_name(name)))

extern char **environ;

EXPORT("allocate") void *allocate(std::size_t size) { return std::malloc(size ? size : 1); }

EXPORT("deallocate") void deallocate(void *ptr, std::size_t) { std::free(ptr); }

static const char *boolean(bool b) { return b ? "true" : "false"; }

EXPORT("execute_node") std::uint64_t execute_node(const char *, std::size_t) {
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
  bool home_set = std::getenv("HOME") != nullptr;

  std::string json = std::string("[{\"json\":{\"read_opened\":") + boolean(read_opened) +
                     ",\"read_enoent\":" + boolean(read_errno == ENOENT) +
                     ",\"write_opened\":" + boolean(write_opened) +
                     ",\"write_enoent\":" + boolean(write_errno == ENOENT) +
                     ",\"env_count\":" + std::to_string(env_count) +
                     ",\"home_set\":" + boolean(home_set) + "}}]";
  char *out = static_cast<char *>(std::malloc(json.size()));
  std::memcpy(out, json.data(), json.size());
  return (static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(out)) << 32) | static_cast<std::uint32_t>(json.size());
}
