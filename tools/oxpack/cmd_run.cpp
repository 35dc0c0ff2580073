// oxpack run: run a module, a script or a command with a blob installed,
// without changing the program: oxpack run app.oxr -m pkg.main [args...].
// It picks an interpreter matching the blob's target, finds the
// oxpack_runtime built for it, exports OXPACK_BLOB (so children whose
// environment has the .pth hook keep the blob), and replaces itself with
// that interpreter running a small bootstrap.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "commands.hpp"
#include "core/error.hpp"
#include "output.hpp"
#include "runtime_files.hpp"

namespace oxpack::cli {
namespace {

// argv after `-c BOOTSTRAP`: extension ("" = import it), blob, origin, stale,
// verify, mode (-m, -c, script), target, program args...
constexpr const char* kBootstrap = R"PY(
def _oxpack_run():
    import sys
    globals().pop('_oxpack_run', None)
    ext, blob, origin, stale, verify, mode, target = sys.argv[1:8]
    args = sys.argv[8:]
    rt = sys.modules.get('oxpack_runtime')
    if rt is None and ext:
        import importlib.util
        spec = importlib.util.spec_from_file_location('oxpack_runtime', ext)
        rt = importlib.util.module_from_spec(spec)
        sys.modules['oxpack_runtime'] = rt
        spec.loader.exec_module(rt)
    elif rt is None:
        try:
            import oxpack_runtime as rt
        except ImportError:
            sys.stderr.write('oxpack run: no oxpack_runtime for this Python (%s)\n' % sys.executable)
            raise SystemExit(3)
    try:
        rt.install(blob, origin=origin or None, stale=stale, verify=verify)
    except rt.BlobError as e:
        sys.stderr.write('oxpack run: %s\n' % e)
        raise SystemExit(3)
    import os
    if mode == '-m':
        import runpy
        sys.argv = [target] + args
        sys.path[0] = os.getcwd()
        runpy._run_module_as_main(target, alter_argv=True)
    elif mode == '-c':
        sys.argv = ['-c'] + args
        exec(compile(target, '<string>', 'exec'), globals())
    else:
        import io
        sys.argv = [target] + args
        sys.path[0] = os.path.dirname(os.path.abspath(target))
        with io.open_code(target) as f:
            code = compile(f.read(), target, 'exec', dont_inherit=True)
        globals().update({'__file__': target, '__cached__': None})
        exec(code, globals())
_oxpack_run()
)PY";

}  // namespace

Action setup_run(CLI::App& app) {
    struct Opts {
        std::string blob, python, origin, stale = "warn", verify = "index";
    };
    auto o = std::make_shared<Opts>();
    app.add_option("BLOB", o->blob, "The blob to install")->required();
    app.add_option("--python", o->python, "Interpreter to run (default: one matching the blob's target)");
    app.add_option("--origin", o->origin, "__file__ mode: original or blob (default: the blob's)")
        ->check(CLI::IsMember({"original", "blob"}));
    app.add_option("--stale", o->stale, "When the environment changed since the freeze: warn, error, ignore")
        ->check(CLI::IsMember({"warn", "error", "ignore"}));
    app.add_option("--verify", o->verify,
                   "When to check the index checksum: index (every start), once (first start with this file), "
                   "header (never; payloads are checked when read)")
        ->check(CLI::IsMember({"index", "once", "header"}));
    // Everything from the program on (-m MODULE, -c CODE, SCRIPT) is the program's.
    app.prefix_command();
    app.fallthrough(false);
    CLI::App* self = &app;
    return [o, self]() -> int {
        std::vector<std::string> rest = self->remaining();
        if (rest.empty()) throw Failure(Exit::Usage, "run: name what to run: -m MODULE, -c CODE or SCRIPT");
        std::string mode, target;
        size_t first_arg = 1;
        if (rest[0] == "-m" || rest[0] == "-c") {
            if (rest.size() < 2) throw Failure(Exit::Usage, "run: " + rest[0] + " needs an argument");
            mode = rest[0];
            target = rest[1];
            first_arg = 2;
        } else if (!rest[0].empty() && rest[0][0] == '-') {
            throw Failure(Exit::Usage, "run: unknown option '" + rest[0] + "'");
        } else {
            mode = "script";
            target = rest[0];
            if (!std::filesystem::exists(target)) throw Failure(Exit::BadInput, target + ": no such script");
        }

        auto blob = open_blob(o->blob);
        auto info = unwrap(blob.info(), Exit::BadInput);
        std::string tag = info.target.cache_tag;
        std::string python = o->python;
        if (python.empty()) {
            python = find_interpreter(tag, info.target.python_version);
        } else {
            auto got = interpreter_cache_tag(python);
            if (!got) throw Failure(Exit::BadInput, python + ": cannot run this interpreter");
            if (!tag.empty() && *got != tag)
                throw Failure(Exit::BadInput, o->blob + ": built for " + info.target.python_version + " (" + tag +
                                                  "), but " + python + " is " + *got);
            tag = *got;
        }
        std::string ext = find_runtime_extension(tag).value_or("");
        std::string blob_path = std::filesystem::absolute(o->blob).lexically_normal().string();

        ::setenv("OXPACK_BLOB", blob_path.c_str(), 1);
        if (!o->origin.empty()) ::setenv("OXPACK_ORIGIN", o->origin.c_str(), 1);
        if (o->stale != "warn") ::setenv("OXPACK_STALE", o->stale.c_str(), 1);
        if (o->verify != "index") ::setenv("OXPACK_VERIFY", o->verify.c_str(), 1);
        std::vector<std::string> argv = {python, "-c",      kBootstrap, ext,  blob_path,
                                         o->origin, o->stale, o->verify,  mode, target};
        argv.insert(argv.end(), rest.begin() + static_cast<std::ptrdiff_t>(first_arg), rest.end());
        std::vector<char*> cargv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        ::execvp(python.c_str(), cargv.data());
        throw Failure(Exit::BadInput, python + ": cannot run: " + std::strerror(errno));
    };
}

}  // namespace oxpack::cli
