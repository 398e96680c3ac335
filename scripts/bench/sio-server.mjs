// The Socket.IO peer of the fan-out benchmark: what a team would write
// with Socket.IO 4 to broadcast to one room. Every client joins room
// "bench"; a 'pub' from any client is emitted to the room as 'm'.
//   node scripts/bench/sio-server.mjs PORT
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer((req, res) => { res.end('socket.io\n'); });
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
io.on('connection', (socket) => {
  socket.join('bench');
  socket.on('pub', (text) => io.to('bench').emit('m', text));
});
http.listen(Number(process.argv[2]), '127.0.0.1');
