// Owners close, views do not: a stream and a descriptor passed around without doubt about who
// closes them. Runs on every platform.

#include <handoff/handoff.hpp>

#include <cstdio>
#include <utility>
#include <vector>

namespace
{
// Only uses the stream: takes a view, so it cannot close it and the caller's owner stays valid.
void write_greeting(handoff::borrowed_file out, const char *who)
{
    std::fprintf(out.get(), "hello from %s\n", who);
}

// Takes ownership: the signature says so, and the caller must write std::move to call it.
std::vector<handoff::unique_file> kept;
void keep(handoff::unique_file stream)
{
    kept.push_back(std::move(stream));
}
} // namespace

int main()
{
    std::error_code ec;
    handoff::unique_file log = handoff::adopt_file(std::tmpfile(), ec);
    if (ec)
    {
        std::fprintf(stderr, "tmpfile failed: %s\n", ec.message().c_str());
        return 1;
    }

    write_greeting(log, "a view"); // lent: log still owns the stream
    std::printf("after lending, log owns a stream: %s\n", log ? "yes" : "no");

    keep(std::move(log)); // given: log is empty, 'kept' owns it
    std::printf("after giving, log owns a stream: %s\n", log ? "yes" : "no");

    handoff::unique_file missing = handoff::adopt_file(std::fopen("no/such/file", "rb"), ec);
    std::printf("adopting a failed fopen: %s (owner empty: %s)\n", ec.message().c_str(), missing ? "no" : "yes");

    std::error_code closed;
    kept.front().close(closed); // the one owner closes the stream, once
    std::printf("the stream's one owner, in 'kept', closed it: %s\n", closed ? closed.message().c_str() : "ok");
    return 0;
}
