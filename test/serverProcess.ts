// The server process helper lives with the reliability suite, which shares it.
export { startServer, type ServerProcess } from '../scripts/soak/serverProcess';
