#include "generator/site/sitemap.h"

#include "core/html_escape.h"

namespace portal {

std::string SitemapXml(const std::string& base_url, const std::vector<std::string>& paths) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& path : paths) {
    xml += "  <url><loc>" + HtmlEscape(base_url + path) + "</loc></url>\n";
  }
  xml += "</urlset>\n";
  return xml;
}

std::string RobotsTxt(const std::string& base_url) {
  return "User-agent: *\nAllow: /\nSitemap: " + base_url + "sitemap.xml\n";
}

}  // namespace portal
