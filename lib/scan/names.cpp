// Import-system string rules: module names, suffixes, UTF-8.
#include "scan/names.hpp"

namespace oxpack::scan {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
        else return false;
        if (i + len > n) return false;
        for (int k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;
        i += len;
    }
    return true;
}

bool is_module_name(std::string_view s) {
    return !s.empty() && s.find('.') == std::string_view::npos && valid_utf8(s);
}

std::string_view match_suffix(std::string_view name, const std::vector<std::string>& suffixes) {
    std::string_view best;
    for (const auto& s : suffixes)
        if (name.size() > s.size() && ends_with(name, s) && s.size() > best.size()) best = s;
    return best;
}

std::string join_dotted(std::string_view prefix, std::string_view name) {
    std::string r(prefix);
    if (!r.empty()) r += '.';
    r += name;
    return r;
}

std::string join_path(std::string_view prefix, std::string_view name) {
    std::string r(prefix);
    if (!r.empty()) r += '/';
    r += name;
    return r;
}

}  // namespace oxpack::scan
