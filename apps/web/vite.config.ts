import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The node `pnpm start` runs; the dev server forwards the API, socket.io and health to it. */
const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/api': backend,
      '/health': backend,
      '/socket.io': { target: backend, ws: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
