// A MicroTime (Lease acquireTime and renewTime): kube-apiserver refuses (400) any other form than six
// fractional digits, and a plain Date serialises with three. The same rule as client-node's
// V1MicroTime, without loading client-node for it.

export class MicroTime extends Date {
  override toISOString(): string {
    return `${super.toISOString().slice(0, -1)}000Z`;
  }
}
