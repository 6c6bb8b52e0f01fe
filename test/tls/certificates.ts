/** A private CA and a server certificate it signed, for 127.0.0.1 and localhost, made with openssl. */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface Certificates {
  ca: string;
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Files `<name>-ca.pem`, `<name>-cert.pem` and `<name>-key.pem` in `dir`. */
export function makeCertificates(dir: string, name: string): Certificates {
  const file = (part: string) => join(dir, `${name}-${part}.pem`);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(["req", "-x509", ...ec, "-keyout", file("ca-key"), "-out", file("ca"), "-days", "2", "-subj", `/CN=${name} test CA`], dir);
  openssl(["req", ...ec, "-keyout", file("key"), "-out", file("csr"), "-subj", "/CN=127.0.0.1"], dir);
  const extensions = join(dir, `${name}-ext.cnf`);
  execFileSync("sh", ["-c", `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > '${extensions}'`]);
  openssl(
    ["x509", "-req", "-in", file("csr"), "-CA", file("ca"), "-CAkey", file("ca-key"), "-CAcreateserial", "-out", file("cert")].concat([
      "-days",
      "2",
      "-extfile",
      extensions,
    ]),
    dir,
  );
  return { ca: file("ca"), cert: file("cert"), key: file("key") };
}
