// Node lookups: binary search over the sorted children.
#include "scan/tree.hpp"

#include <algorithm>

namespace oxpack::scan {

const Node* Node::child(std::string_view n) const {
    auto it = std::lower_bound(children.begin(), children.end(), n,
                               [](const Node& a, std::string_view b) { return std::string_view(a.name) < b; });
    return it != children.end() && it->name == n ? &*it : nullptr;
}

void Node::sort_children() {
    std::sort(children.begin(), children.end(), [](const Node& a, const Node& b) { return a.name < b.name; });
    for (auto& c : children)
        if (c.is_dir) c.sort_children();
}

}  // namespace oxpack::scan
