#include "temp_file.hpp"

#include <cstdio>
#include <cstdlib>

#if defined(_WIN32)
#include <windows.h>
#else
#include <unistd.h>
#endif

namespace handoff_test
{
temp_file::temp_file()
{
#if defined(_WIN32)
    char folder[MAX_PATH + 1];
    char name[MAX_PATH + 1];
    if (::GetTempPathA(sizeof folder, folder) == 0 || ::GetTempFileNameA(folder, "hof", 0, name) == 0)
    {
        std::fprintf(stderr, "temp_file: cannot create a temporary file (error %lu)\n", ::GetLastError());
        std::abort();
    }
    path_ = name;
#else
    const char *folder = std::getenv("TMPDIR");
    std::string pattern = std::string(folder != nullptr && *folder != '\0' ? folder : "/tmp") + "/handoff-XXXXXX";
    const int fd = ::mkstemp(&pattern[0]);
    if (fd < 0)
    {
        std::perror("temp_file: mkstemp");
        std::abort();
    }
    ::close(fd);
    path_ = pattern;
#endif
}

temp_file::~temp_file()
{
    std::remove(path_.c_str());
}

std::string temp_file::content() const
{
    std::string text;
    if (std::FILE *stream = std::fopen(path_.c_str(), "rb"))
    {
        char buffer[4096];
        std::size_t count = 0;
        while ((count = std::fread(buffer, 1, sizeof buffer, stream)) > 0)
            text.append(buffer, count);
        std::fclose(stream);
    }
    return text;
}
} // namespace handoff_test
