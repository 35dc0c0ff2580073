// The path finder's listing of a frozen root, trusted. The import system's
// FileFinder stats its directory on every lookup to see whether the listing
// it took is still current: one filesystem call per sys.path directory for
// every name no finder ahead of it knows (optional imports, names tried
// before a fallback). For a directory root the blob froze, unchanged since
// (install's staleness check), and for the directories below it (packages'
// __path__ entries), the runtime puts in its place a FileFinder
// subclass that takes the listing once and trusts it until
// importlib.invalidate_caches(), as the import system's documentation asks
// of a program that creates modules while it runs. A name the listing holds
// goes to FileFinder itself, so what is found, and how, is unchanged.
#pragma once

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

// At install: the path finder's cache entries for `f`'s unchanged directory
// roots that are plain FileFinders become trusting ones. false with an
// exception set.
bool root_listing_adopt_cached(FinderObject* f);

// The path hook's part: for an unchanged directory root of `f` or a
// directory below one (a package's __path__ entry), what the hooks after
// `f`'s own would make of `path_arg` (a trusting FileFinder in place of a
// plain one; None when none takes it). nullptr with no exception set when
// `path` is not such a directory; nullptr with an exception on error.
PyObject* root_listing_path_hook(FinderObject* f, PyObject* path_arg, const std::string& path);

}  // namespace oxpack::runtime
