import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

/** One TXT query over UDP (EDNS0, 4096-byte buffer) to a loopback DNS server: rcode and strings. */
export function queryTxt(port: number, name: string, timeoutMs = 2000): Promise<{ rcode: string; texts: string[] }> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const id = Math.floor(Math.random() * 65535);
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no DNS answer for ${name} on port ${port}`));
    }, timeoutMs);
    socket.on('message', (message) => {
      const packet = dnsPacket.decode(message) as dnsPacket.Packet & { rcode?: string };
      if (packet.id !== id) return;
      clearTimeout(timer);
      socket.close();
      const texts = (packet.answers ?? [])
        .filter((a) => a.type === 'TXT')
        .map((a) =>
          Array.isArray((a as { data: Buffer[] | Buffer }).data)
            ? (a as { data: Buffer[] }).data.map((b) => b.toString()).join('')
            : String((a as { data: Buffer }).data),
        );
      resolve({ rcode: packet.rcode ?? 'NOERROR', texts });
    });
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type: 'TXT', name }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096 } as dnsPacket.Answer],
    });
    socket.send(query, port, '127.0.0.1');
  });
}
