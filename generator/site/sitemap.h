#pragma once

#include <string>
#include <vector>

namespace portal {

// sitemap.xml listing base_url + each site-relative path ("" is the home page).
std::string SitemapXml(const std::string& base_url, const std::vector<std::string>& paths);

// robots.txt allowing everything and pointing at the sitemap.
std::string RobotsTxt(const std::string& base_url);

}  // namespace portal
