import { BlockList, isIP } from 'node:net';

/** A set of CIDRs that answers "is this client address in it?", IPv4-mapped IPv6 included. */
export class AddressList {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(cidrs: readonly string[]) {
    this.empty = cidrs.length === 0;
    for (const cidr of cidrs) {
      const [addr, bits] = cidr.split('/') as [string, string | undefined];
      const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.list.addAddress(addr, type);
      else this.list.addSubnet(addr, Number(bits), type);
    }
  }

  check(address: string): boolean {
    if (this.empty || address === '') return false;
    // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d.
    if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) return this.list.check(address.slice(7), 'ipv4');
    return this.list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
}
