/* Sandbox probe in C: replaces the C template's main.c in a test and reports, from inside the
 * guest, what reading and writing a host file and reading the environment give. Built on the
 * template's node kit (nlink.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "nlink.h"

extern char **environ;

void nlink_node(const nlink_item *item, nlink_result *result) {
  (void)item;
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

  char json[256];
  int n = snprintf(json, sizeof json,
                   "{\"read_errno\":%d,\"read_opened\":%s,\"read_enoent\":%s,\"write_opened\":%s,\"write_enoent\":%s,"
                   "\"env_count\":%d,\"home_set\":%s}",
                   read_errno, read ? "true" : "false", read_errno == ENOENT ? "true" : "false",
                   write ? "true" : "false", write_errno == ENOENT ? "true" : "false",
                   env_count, home ? "true" : "false");
  jbuf_append(nlink_output(result), json, (size_t)n);
}
