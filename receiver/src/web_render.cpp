#include "web_render.h"

#include <kainjow/mustache.hpp>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "web_assets.h"

namespace pmx::web {
namespace {

using kainjow::mustache::data;
using kainjow::mustache::mustache;
using nlohmann::json;

/// A view as Mustache data. null and false are false (a section not shown); numbers are text.
/// An empty string stays a (shown) string: views use null for "absent".
data to_data(const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      data object{data::type::object};
      for (const auto& [key, member] : value.items()) object.set(key, to_data(member));
      return object;
    }
    case json::value_t::array: {
      data list{data::type::list};
      for (const auto& element : value) list.push_back(to_data(element));
      return list;
    }
    case json::value_t::string:
      return data{value.get<std::string>()};
    case json::value_t::boolean:
      return data{value.get<bool>() ? data::type::bool_true : data::type::bool_false};
    case json::value_t::null:
    case json::value_t::discarded:
      return data{data::type::bool_false};
    default:
      return data{value.dump()};
  }
}

/// Each template parsed once; a template that does not parse is a bug caught by every test.
mustache& compiled(std::string_view text) {
  thread_local std::unordered_map<const char*, std::unique_ptr<mustache>> cache;
  auto& slot = cache[text.data()];
  if (!slot) {
    slot = std::make_unique<mustache>(std::string(text));
    if (!slot->is_valid()) throw std::logic_error("web template: " + slot->error_message());
  }
  return *slot;
}

}  // namespace

std::string_view template_of(Page page) {
  switch (page) {
    case Page::kIncidents:
      return web_assets::kIncidents;
    case Page::kIncident:
      return web_assets::kIncident;
    case Page::kSource:
      return web_assets::kSource;
    case Page::kRcas:
      return web_assets::kRcas;
    case Page::kRca:
      return web_assets::kRca;
    case Page::kRcaEdit:
      return web_assets::kRcaEdit;
    case Page::kActionItems:
      return web_assets::kActionItems;
    case Page::kError:
      break;
  }
  return web_assets::kError;
}

std::string_view layout_template() { return web_assets::kLayout; }
std::string_view stylesheet() { return web_assets::kStylesheet; }

std::string render(Page page, const json& view, const Layout& layout) {
  json page_view = view;
  page_view["base"] = layout.base;
  const std::string content = compiled(template_of(page)).render(to_data(page_view));
  const json frame{{"title", layout.title},
                   {"base", layout.base},
                   {"metrics_path", layout.metrics_path},
                   {"nav_incidents", layout.section == Layout::Section::kIncidents},
                   {"nav_rcas", layout.section == Layout::Section::kRcas},
                   {"nav_items", layout.section == Layout::Section::kActionItems},
                   {"content", content}};
  return compiled(layout_template()).render(to_data(frame));
}

}  // namespace pmx::web
