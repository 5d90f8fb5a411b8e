export { healthRoutes, type HealthCheck } from './health.js';
