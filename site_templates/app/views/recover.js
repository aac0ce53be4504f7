// (being written)
import { h } from '../dom.js';

/** Renders the screen into `root`. */
export async function render(root, app) {
  void app;
  root.append(h('h1', {}, '…'));
}
