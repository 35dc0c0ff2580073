// Resolution across roots: turns the walked trees of ScanResult::roots into
// ScanResult::items and ::shadowed, following PathFinder/FileFinder (and
// zipimport for .zip roots). See scanner.hpp for the rules.
#pragma once

#include "scan/interpreter.hpp"
#include "scan/report.hpp"
#include "scan/scanner.hpp"

namespace oxpack::scan {

void resolve_roots(const Interpreter& python, ScanResult& result, Report& report);

}  // namespace oxpack::scan
