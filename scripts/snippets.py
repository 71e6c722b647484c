#!/usr/bin/env python3
"""Turns every C++ code block of README.md and docs/*.md into translation units, so that the
test build compiles what the documentation shows.

    python3 scripts/snippets.py <source root> <output dir> [page.md ...]

(the pages default to README.md and docs/*.md, relative to the source root)

A block is a ```cpp fence; words after `cpp` on the fence line say how to build it:

    windows | posix   only on that platform (default: both)
    file              top-level code: declarations, functions, classes (default: statements,
                      which are compiled as the body of a function)
    declarations      signatures of handoff's own functions, one per line, each compiled inside
                      handoff's namespace as a cast of the function's address to the declared
                      type (which only an existing overload satisfies: a wrong parameter, return
                      type or noexcept fails the build) and as a redeclaration; a template is
                      only redeclared
    continues         same scope as the block before it in the page (its names are visible)
    run               also built as a program that runs the block (under Wine for Windows); a
                      ```text output block right after it is what the program must print
    fails=<regex>     must not compile, and the compiler's output must match <regex>

Every unit includes docs/snippets/prelude.hpp, which declares the names the pages use without
defining them (the library that lends a handle, a path, a third-party owner type). `#include`
lines of a block go to the top of its unit, and `#line` points compiler messages at the page.

Writes one <page>.cpp per page, one file per `run` and `fails` block, and manifest.txt: one line
per file, `kind<TAB>file<TAB>platform<TAB>expected`, which tests/CMakeLists.txt reads (the
expected regex last, so that it may hold any character but a tab; for a run block, the file
holding the output it must print, or nothing).
"""

import pathlib
import re
import sys

FENCE = re.compile(r"^```(\S*)(.*)$")
# A fence this script would not read: indented, or of tildes.
OTHER_FENCE = re.compile(r"^(\s+```|\s*~~~)")
LANGUAGES = {"cpp", "text", "sh", "cmake", "meson", "dot", "json", "ini"}
WORDS = {"windows", "posix", "file", "declarations", "continues", "run"}


class Block:
    def __init__(self, page, line, words, code):
        self.page, self.line, self.code = page, line, code
        self.expect = None
        self.output = None  # what a run block prints: the ```text output block right after it
        self.words = set()
        for word in words:
            if word.startswith("fails="):
                self.expect = word[len("fails="):]
            elif word in WORDS:
                self.words.add(word)
            else:
                sys.exit(f"{page}:{line}: unknown snippet marker '{word}' (see scripts/snippets.py)")
        if "windows" in self.words and "posix" in self.words:
            sys.exit(f"{page}:{line}: a block is for windows or posix, not both")

    @property
    def platform(self):
        return "windows" if "windows" in self.words else "posix" if "posix" in self.words else "all"

    @property
    def name(self):
        return re.sub(r"[^A-Za-z0-9]", "_", f"{pathlib.PurePosixPath(self.page).stem}_{self.line}")


def blocks_of(root, page):
    """The ```cpp blocks of `page`, each with the output block that follows it, if any. Every
    fence must name a language this script knows, so that no C++ block is skipped unseen."""
    lines = (root / page).read_text(encoding="utf-8").split("\n")
    found, at, previous_fence = [], 0, None
    while at < len(lines):
        match = FENCE.match(lines[at])
        if not match:
            if OTHER_FENCE.match(lines[at]):
                sys.exit(f"{page}:{at + 1}: write code blocks as ``` fences at the start of the line, "
                         "so that the snippet check sees them")
            at += 1
            continue
        language, words = match.group(1), match.group(2).split()
        if language not in LANGUAGES:
            sys.exit(f"{page}:{at + 1}: a code block must name its language, one of {', '.join(sorted(LANGUAGES))} "
                     f"(C++ is 'cpp'), not '{language}'")
        end = at + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if end == len(lines):
            sys.exit(f"{page}:{at + 1}: a code block that never ends")
        follows_run = previous_fence is not None and "run" in previous_fence.words
        if language == "cpp":
            found.append(Block(page, at + 1, words, lines[at + 1:end]))
        elif language == "text" and "output" in words:
            if not follows_run or previous_fence.output is not None:
                sys.exit(f"{page}:{at + 1}: a ```text output block must come right after a ```cpp run block")
            previous_fence.output = lines[at + 1:end]
        elif follows_run:
            sys.exit(f"{page}:{at + 1}: a block right after a run block is its output: mark it ```text output, "
                     "or put text between them")
        previous_fence = found[-1] if language == "cpp" else None
        at = end + 1
    return found


def guard(platform):
    return {"windows": "#if defined(_WIN32)", "posix": "#if !defined(_WIN32)", "all": "#if 1"}[platform]


class Unit:
    """One scope of a page: a block and the blocks that continue it."""

    def __init__(self, first):
        self.blocks = [first]

    def emit(self, includes):
        first = self.blocks[0]
        if "declarations" in first.words:
            out = [guard(first.platform), "HANDOFF_BEGIN_NAMESPACE"]
            for block in self.blocks:
                out += lines_of(block, includes)
            return out + ["HANDOFF_END_NAMESPACE", "#endif", ""]
        out = [guard(first.platform), f"namespace snippet_{first.name}", "{"]
        body = []
        for block in self.blocks:
            (out if "file" in block.words else body).extend(lines_of(block, includes))
        if body:
            out += ["[[maybe_unused]] void run_block()", "{"] + body + ["}"]
        return out + [f"}} // namespace snippet_{first.name}", "#endif", ""]


def without_defaults(text):
    """A declaration without its default arguments, which a redeclaration may not repeat."""
    out, at = [], 0
    while at < len(text):
        if text[at] == "=" and text[at - 1:at + 2] not in ("==", "!=", "<=", ">=") and text[at + 1:at + 2] != "=" \
                and "operator" not in text[max(0, at - 12):at]:
            depth, at = 0, at + 1
            while at < len(text) and (depth > 0 or text[at] not in ",);"):
                depth += text[at] in "(<"
                depth -= text[at] in ")>"
                at += 1
            while out and out[-1] == " ":
                out.pop()
            continue
        out.append(text[at])
        at += 1
    return "".join(out)


DECLARATION = re.compile(r"^(?P<result>.*?)\b(?P<name>operator\s*[^\s(]+|[A-Za-z_]\w*)\s*\((?P<parameters>.*)\)"
                         r"\s*(?P<noexcept>noexcept)?\s*;$")


def declared(block, code, number):
    """A declaration of a declarations block: the redeclaration, after a cast of the function's
    address to the declared type, which only an overload that exists already can satisfy (a
    wrong parameter would otherwise declare a new overload, and compile)."""
    if code.startswith("template"):
        return code
    match = DECLARATION.match(code)
    if not match:
        sys.exit(f"{block.page}:{block.line}: a declarations block holds function declarations only: {code}")
    noexcept = " noexcept" if match["noexcept"] else ""
    pointer = f"{match['result']}(*)({match['parameters']}){noexcept}"
    check = f"snippet_declared_{block.name}_{number}"
    return f"[[maybe_unused]] inline constexpr auto {check} = static_cast<{pointer}>(&{match['name']}); {code}"


def declarations_of(block, includes):
    """The lines of a declarations block, each declaration on the line where it starts."""
    out, pending, start = [], "", 0
    for text in block.code:
        if text.strip().startswith("#include"):
            includes.append(text.strip())
            out.append("")
            continue
        code = without_defaults(text.split("//")[0]).strip()
        if not pending:
            start = len(out)
        pending = f"{pending} {code}".strip()
        out.append("")
        if pending.endswith(";"):
            out[start] = declared(block, re.sub(r"\s+", " ", pending), start)
            pending = ""
    if pending:
        sys.exit(f"{block.page}:{block.line}: a declaration that does not end with ';': {pending}")
    return out


def lines_of(block, includes):
    out = [f'#line {block.line + 1} "{block.page}"']
    if "declarations" in block.words:
        return out + declarations_of(block, includes)
    for text in block.code:
        if text.strip().startswith("#include"):
            includes.append(text.strip())
            out.append("")
        else:
            out.append(text)
    return out


def header(includes):
    seen = []
    for include in ["#include <handoff/handoff.hpp>", '#include "prelude.hpp"'] + includes:
        if include not in seen:
            seen.append(include)
    return ["// Generated by scripts/snippets.py from the documentation; do not edit.", *seen, ""]


def main():
    root, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    pages = sys.argv[3:] or ["README.md"] + sorted(str(p.relative_to(root)) for p in (root / "docs").glob("*.md"))
    manifest = []
    for page in pages:
        units, previous = [], None
        for block in blocks_of(root, page):
            standalone = block.expect is not None or "run" in block.words
            if "continues" in block.words and (standalone or previous is None or previous_standalone):
                sys.exit(f"{block.page}:{block.line}: 'continues' needs a compiled block just before it, "
                         "and a run or fails block stands alone")
            previous, previous_standalone = block, standalone
            if standalone:
                continue
            if "continues" in block.words:
                units[-1].blocks.append(block)
            else:
                units.append(Unit(block))
        includes, body = [], []
        for unit in units:
            body += unit.emit(includes)
        name = re.sub(r"[^A-Za-z0-9]", "_", pathlib.PurePosixPath(page).stem) + ".cpp"
        (out / name).write_text("\n".join(header(includes) + body) + "\n", encoding="utf-8")
        manifest.append(f"compile\t{name}\tall\t")
        for block in blocks_of(root, page):
            if block.expect is None and "run" not in block.words:
                continue
            includes = []
            code = Unit(block).emit(includes)
            if "run" in block.words:
                code += [guard(block.platform), f"int main() {{ snippet_{block.name}::run_block(); return 0; }}", "#endif"]
                kind = "run"
                if block.output is not None:
                    output = f"output_{block.name}.txt"
                    (out / output).write_text("\n".join(block.output) + "\n", encoding="utf-8")
                    block.expect = output
            else:
                kind = "fails"
            file = f"{kind}_{block.name}.cpp"
            (out / file).write_text("\n".join(header(includes) + code) + "\n", encoding="utf-8")
            manifest.append(f"{kind}\t{file}\t{block.platform}\t{block.expect or ''}")
    (out / "manifest.txt").write_text("\n".join(manifest) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
