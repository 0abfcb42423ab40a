// Crash-safe file replacement. The new contents go to "<path>.tmp.<pid>" in the same directory,
// are flushed and fsync()ed, then rename()d over the target (atomic on POSIX), and the directory
// is fsync()ed. On any failure the temporary is removed and the original file is untouched, so a
// reader sees either the complete old file or the complete new one - never a torn weights file.
#pragma once
#include "compiler/support/status.h"

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>

namespace llie {

/// Writes `path` atomically: `write` streams the contents; an error Status it returns, or any
/// I/O error (disk full, file size limit, permissions), aborts the replacement and is returned.
Status writeFileAtomic(const std::string& path, const std::function<Status(std::ostream&)>& write);

/// The same for an in-memory buffer.
Status writeFileAtomic(const std::string& path, const void* data, size_t size);

} // namespace llie
