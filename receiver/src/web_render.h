#pragma once
// Renders the web UI's pages: a page template (receiver/web/templates) filled from a view (a
// JSON value built by web_views.h), inside the layout. Mustache escapes every {{value}} for
// HTML; the only unescaped tag is the layout's {{{content}}}, the page just rendered
// (tests/receiver/web_render_test.cpp checks that no template has another).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace pmx::web {

enum class Page { kIncidents, kIncident, kSource, kRcas, kRca, kRcaEdit, kActionItems, kError };

/// What every page's layout needs.
struct Layout {
  std::string title;
  std::string base;  ///< prefix of every link: --web.external-url's path, else the route prefix
  std::string metrics_path;  ///< --web.telemetry-path
  enum class Section { kNone, kIncidents, kRcas, kActionItems };
  Section section = Section::kNone;  ///< the navigation link marked as the current page
};

/// The page's HTML document.
std::string render(Page page, const nlohmann::json& view, const Layout& layout);

/// The template text of a page (for the template checks).
std::string_view template_of(Page page);
std::string_view layout_template();
std::string_view stylesheet();

}  // namespace pmx::web
