/* Sandbox probe in C: replaces the C template's main.c in a test and reports, from inside the
 * guest, what reading and writing a host file and reading the environment give. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))

extern char **environ;

EXPORT("allocate") void *allocate(size_t size) { return malloc(size ? size : 1); }

EXPORT("deallocate") void deallocate(void *ptr, size_t size) {
  (void)size;
  free(ptr);
}

EXPORT("execute_node") uint64_t execute_node(const char *input, size_t len) {
  (void)input;
  (void)len;
  errno = 0;
  FILE *read = fopen("/etc/passwd", "r");
  int read_errno = errno;
  if (read) fclose(read);
  errno = 0;
  FILE *write = fopen("/tmp/nlink-probe", "w");
  int write_errno = errno;
  if (write) fclose(write);
  int env_count = 0;
  for (char **e = environ; e && *e; e++) env_count++;
  const char *home = getenv("HOME");

  char *out = malloc(256);
  int n = snprintf(out, 256,
                   "[{\"json\":{\"read_errno\":%d,\"read_opened\":%s,\"read_enoent\":%s,\"write_opened\":%s,\"write_enoent\":%s,"
                   "\"env_count\":%d,\"home_set\":%s}}]",
                   read_errno, read ? "true" : "false", read_errno == ENOENT ? "true" : "false",
                   write ? "true" : "false", write_errno == ENOENT ? "true" : "false",
                   env_count, home ? "true" : "false");
  return ((uint64_t)(uintptr_t)out << 32) | (uint32_t)n;
}
