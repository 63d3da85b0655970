// POSIX file helpers; see file_io.h.
#include "agent/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace loom::agent {

namespace fs = std::filesystem;

Result<std::string> read_file_bytes(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return not_found(path.string(), ": no such file");
    return permission_denied(path.string(), ": ", std::strerror(error));
  }
  struct stat info{};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    return invalid_argument(path.string(), " is a directory");
  }
  std::string contents;
  char buffer[65536];
  while (true) {
    const ssize_t count = ::read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      const int error = errno;
      ::close(fd);
      return internal_error("reading ", path.string(), ": ", std::strerror(error));
    }
    if (count == 0) break;
    contents.append(buffer, static_cast<size_t>(count));
  }
  ::close(fd);
  return contents;
}

Status write_file_bytes(const fs::path& path, std::string_view contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return permission_denied("cannot write ", path.string(), ": ", std::strerror(errno));
  while (!contents.empty()) {
    const ssize_t count = ::write(fd, contents.data(), contents.size());
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      const int error = errno;
      ::close(fd);
      return internal_error("writing ", path.string(), ": ", std::strerror(error));
    }
    contents.remove_prefix(static_cast<size_t>(count));
  }
  if (::close(fd) != 0) return internal_error("closing ", path.string(), ": ", std::strerror(errno));
  return {};
}

Status create_parent_directories(const fs::path& path, std::vector<fs::path>* created) {
  std::vector<fs::path> missing;
  std::error_code error;
  for (fs::path parent = path.parent_path(); !parent.empty() && !fs::exists(parent, error);
       parent = parent.parent_path()) {
    missing.push_back(parent);
    if (parent == parent.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST)
      return permission_denied("cannot create directory ", it->string(), ": ", std::strerror(errno));
    if (created != nullptr) created->push_back(*it);
  }
  return {};
}

}  // namespace loom::agent
