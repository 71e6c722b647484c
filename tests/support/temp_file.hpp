// Test support: a uniquely named file in the temporary folder, removed when the test ends.

#ifndef HANDOFF_TESTS_SUPPORT_TEMP_FILE_HPP
#define HANDOFF_TESTS_SUPPORT_TEMP_FILE_HPP

#include <string>

namespace handoff_test
{
class temp_file
{
  public:
    /// Creates an empty file with a unique name.
    temp_file();
    temp_file(const temp_file &) = delete;
    temp_file &operator=(const temp_file &) = delete;
    ~temp_file();

    /// The path, in the narrow encoding that fopen and _open accept.
    const std::string &path() const
    {
        return path_;
    }

    /// The whole content, read through a fresh stream.
    std::string content() const;

  private:
    std::string path_;
};
} // namespace handoff_test

#endif
