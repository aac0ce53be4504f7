// The page's configuration: one JSON object in #portal-app's data-config attribute, written by
// the site build (portal-gen site). Checked here once, so every screen can rely on its shape.

/**
 * Reads and checks the page config.
 * @returns {object} the config (see design: "The page config")
 * @throws {Error} with a plain message when it is absent or incomplete
 */
export function readConfig() {
  throw new Error('The app is not set up on this page.');
}
