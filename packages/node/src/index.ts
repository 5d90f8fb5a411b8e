export {
  closeHttpServer,
  composeNode,
  nodeEnvSections,
  type ChatNode,
  type ComposeOverrides,
  type NodeConfig,
  type SocketRole,
} from './compose-node.js';
export { runNode, type NodeSpec, type RolePart, type StartedRoles } from './run-node.js';
