// Module resolution hooks for the production bundle run from the source tree. The bundle
// (apps/server/dist/main.js) leaves npm packages as imports for `pnpm deploy --prod` to supply;
// in the workspace, pnpm's isolated layout only links an app's direct dependencies next to it. A
// bare import the normal lookup cannot find is resolved from pnpm's hoisted directory instead
// (node_modules/.pnpm/node_modules: the same locked versions), which is what a deployment holds.
const hoistedParent = new URL('../../../node_modules/.pnpm/kelisim-bench.js', import.meta.url).href;
const notBare = /^(?:\.{0,2}\/|node:|file:|data:)/;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || notBare.test(specifier)) throw error;
    return nextResolve(specifier, { ...context, parentURL: hoistedParent });
  }
}
