/**
 * README.md of an archive (交易档案说明): what each folder holds and how to check each file with standard tools, in
 * Chinese first, then in English. Pure; the commands are the ones test/integration/archive.test.ts runs.
 */
export type ReadmeFacts = {
  code: string;
  title: string;
  exportedAt: Date;
  head: { seq: number; hash: string };
  sections: { code: string; dir: string }[];
};

export function archiveReadme(f: ReadmeFacts): string {
  const sections = f.sections.map((s) => `- \`${s.dir}/\` — ${s.code}`).join("\n") || "- —";
  return `# 交易档案 ${f.code} · ${f.title}

导出时间（UTC）：${f.exportedAt.toISOString()}
导出时档案链头：#${f.head.seq} \`${f.head.hash}\`

本压缩包是 Tenderhall 公共资源交易平台为上述项目导出的交易档案（R59–R61）：招标文件、投标文件及其签名与回执、
专家抽取记录与证明、开标记录、评标报告及附录、定标与合同文件，以及与本项目有关的全部档案链条目。
每个文件都列在 \`manifest.json\`（路径、SHA-256、字节数、类别、首次记载该文件哈希的档案条目序号 \`recordSeq\`）
和 \`SHA256SUMS\` 中。因保密规则暂不提供的内容列在 \`manifest.json\` 的 \`withheld\` 中，并注明原因。

## 目录

- \`README.md\` — 本说明。
- \`manifest.json\` — 文件清单；其 SHA-256 记入档案链条目 \`archive.exported\`。
- \`SHA256SUMS\` — 全部文件（本文件除外）的 SHA-256。
- \`tender/\` — 公告数据 \`project.json\`、按版本存放的招标文件 \`documents/v<版本>/\`、澄清修改 \`amendments.json\`、
  提问与答复 \`questions.json\`（提问人匿名，与门户一致）、异议与答复 \`objections.json\`、
  获取招标文件的单位 \`document-obtainers.json\`（保密，R9）。
- \`sections/<标段编号>/\` — 每个标段：
  - \`section.json\` — 标段、评标办法、定标进度（section_results）。
  - \`bids/<投标人>/v<版本>/\` — \`manifest.json\`（投标人签名的规范化清单原文）、\`manifest.sig\`（RSASSA-PKCS1-v1_5 / SHA-256 签名）、
    \`bidder-certificate.pem\`、\`receipt.jws\`（平台回执，JWS RS256）、\`bid.json\`，以及评标结束后的解密文件 \`files/\`
    （文件 0 为 \`bid-form.json\`，其余文件的真实名称见其中）。
  - \`draw/<编号>/\` — 专家抽取记录 \`record.pdf\`（平台签章）与公开证明 \`proof.json\`。
  - \`opening/\` — 开标记录表 \`record.pdf\`、流标公告 \`failure-notice.pdf\`（如有）、\`opening.json\`（唱标、异议、确认）。
  - \`evaluation/\` — 评标报告 \`report-v<版本>.pdf\`（含全部评委签名的最终版本）与机器可读附录 \`appendix-v<版本>.json\`。
  - \`results/\` — 公示、中标通知书、结果通知书、结果公告、合同 PDF，\`contract.json\`，保证金退还 \`bond-refunds.csv\`。
- \`record/\` — \`entries.jsonl\`（每行一个档案条目：哈希覆盖的全部字段、payload、hash、prevHash）、
  \`head.json\`（导出时的链头）、\`verify-entries.mjs\`（独立核验脚本）。
- \`pki/\` — 平台根证书 \`platform-ca.pem\`（以及受信任的外部 CA）。

## 核验方法

1. 文件完整性：\`sha256sum -c SHA256SUMS\`（每行应为 OK）。
2. 签章 PDF（开标记录、流标公告、抽取记录、评标报告、定标文件）：
   \`\`\`
   mkdir nss && certutil -N -d sql:nss --empty-password
   certutil -A -d sql:nss -n tenderhall-ca -t CT,C,C -i pki/platform-ca.pem
   pdfsig -nssdir sql:nss <文件>.pdf      # 每个签名应为 "Signature is Valid" 与 "Certificate is Trusted"
   qpdf --check <文件>.pdf                # PDF 结构
   \`\`\`
   评标报告在平台签章之后，每位评委以本人证书追加一次增量签名（docs/report-signatures.md）。
3. 投标回执 \`receipt.jws\`（JWS 紧凑格式 header.payload.signature，base64url；头部 x5c 为平台签章证书链）。在档案根目录执行：
   \`\`\`
   D=sections/<标段>/bids/<投标人>/v<版本>
   b64url() { tr '_-' '/+' | awk '{n=length($0)%4; if(n==2)$0=$0"=="; if(n==3)$0=$0"="; print}' | base64 -d; }
   cut -d. -f2 $D/receipt.jws | b64url                                   # 回执内容（manifestSha256 等）
   cut -d. -f1 $D/receipt.jws | b64url | python3 -c "import json,sys;print(json.load(sys.stdin)['x5c'][0])" | base64 -d > signer.der
   openssl x509 -inform DER -in signer.der -out signer.pem
   openssl verify -CAfile pki/platform-ca.pem signer.pem                  # signer.pem: OK
   openssl x509 -in signer.pem -pubkey -noout > signer.pub
   printf %s "$(cut -d. -f1,2 $D/receipt.jws)" > signed-input
   cut -d. -f3 $D/receipt.jws | tr -d '\\n' | b64url > sig.bin
   openssl dgst -sha256 -verify signer.pub -signature sig.bin signed-input   # Verified OK
   sha256sum $D/manifest.json                                             # 等于回执中的 manifestSha256
   \`\`\`
   投标人对清单的签名：\`openssl x509 -in bidder-certificate.pem -pubkey -noout > bidder.pub && openssl dgst -sha256 -verify bidder.pub -signature manifest.sig manifest.json\`。
4. 档案链：\`node record/verify-entries.mjs\`（无需依赖）。规则：\`payloadHash\` = SHA-256(payload 的规范化 JSON)；
   \`hash\` = SHA-256({v:2, seq, at, actorUserId, orgId, ip, action, subjectType, subjectId, payloadHash, prevHash, stateHash} 的规范化 JSON)
   （\`stateHash\` 为该命令写入的业务数据行的摘要；无 \`stateHash\` 的早期条目为 v:1 且不含该字段）；
   规范化 JSON 按 UTF-16 码元排序键、无空白（RFC 8785 子集）；相邻序号的条目由 prevHash 相连。平台侧可用 \`npm run verify-record\`
   核验整条链，并比对本档案 \`record/head.json\` 的链头。\`withheld\` 标出的条目因保密删去了行为人（及密封期内投标的 payload），只核验其余部分。
5. 专家抽取：\`npm run verify-draw -- sections/<标段>/draw/<编号>/proof.json\`（重新运行抽取，结果应与记录一致）。
6. 评标附录：\`npm run verify-evaluation -- sections/<标段>/evaluation/appendix-v<版本>.json\`（由评分输入重算结果；其 SHA-256 印在报告中）。

## 标段

${sections}

---

# Archive ${f.code} · ${f.title} (English)

Exported (UTC): ${f.exportedAt.toISOString()}; record chain head at export: #${f.head.seq} \`${f.head.hash}\`.

This ZIP is the transaction archive (交易档案, R59–R61) of the project: tender documents, bids with their signatures
and receipts, the expert draw record and proof, the opening record, the evaluation report and its appendix, the result
and contract documents, and every record entry about the project. Every file is listed in \`manifest.json\` (path,
SHA-256, size, kind, and \`recordSeq\`: the record entry that first names the file's hash) and in \`SHA256SUMS\`.
What confidentiality rules hold back is listed under \`withheld\` in \`manifest.json\` with the reason.

## Folders

- \`tender/\` — notice data (\`project.json\`), tender documents by version, amendments, questions and answers
  (askers anonymous, as on the portal), objections and answers, who obtained the documents (confidential, R9).
- \`sections/<code>/\` — per section: \`section.json\`; \`bids/<bidder>/v<N>/\` (the canonical manifest exactly as
  signed, \`manifest.sig\` RSASSA-PKCS1-v1_5/SHA-256, the bidder certificate, the platform's receipt \`receipt.jws\`,
  \`bid.json\`, and once the evaluation is over the decrypted files under \`files/\` — file 0 is \`bid-form.json\`, which
  names the others); \`draw/<id>/\` (signed draw record, public proof); \`opening/\` (signed opening record, failure
  notice, \`opening.json\`); \`evaluation/\` (the signed report with every member signature, the appendix);
  \`results/\` (publicity, award and result notices, result announcement, contract PDFs, \`contract.json\`,
  \`bond-refunds.csv\`).
- \`record/\` — \`entries.jsonl\` (one entry per line with every hashed field, the payload, hash and prevHash),
  \`head.json\` (chain head at export), \`verify-entries.mjs\` (stand-alone checker).
- \`pki/\` — the platform root CA certificate (and trusted external CAs).

## How to check

1. Integrity: \`sha256sum -c SHA256SUMS\`.
2. Signed PDFs: import \`pki/platform-ca.pem\` into an NSS database (\`certutil -N -d sql:nss --empty-password\`,
   \`certutil -A -d sql:nss -n tenderhall-ca -t CT,C,C -i pki/platform-ca.pem\`), then \`pdfsig -nssdir sql:nss file.pdf\`
   (every signature "Signature is Valid" and "Certificate is Trusted") and \`qpdf --check file.pdf\`.
3. Receipts: a compact JWS (RS256) whose header's \`x5c[0]\` is the platform signing certificate; check it chains to
   \`pki/platform-ca.pem\` (\`openssl verify\`) and verify the signature over \`header.payload\` with \`openssl dgst
   -sha256 -verify\` (commands above); \`sha256sum manifest.json\` equals the receipt's \`manifestSha256\`. The bidder's
   manifest signature: \`openssl dgst -sha256 -verify bidder.pub -signature manifest.sig manifest.json\`.
4. Record: \`node record/verify-entries.mjs\` recomputes every entry hash (rule above; docs/decisions/003) and the
   links between consecutive entries; on the platform \`npm run verify-record\` checks the whole chain, whose head
   must be at or after \`record/head.json\`. Entries marked \`withheld\` lost their actor (and, for bids still sealed, the
   payload) for confidentiality and are checked by what is left.
5. Draw: \`npm run verify-draw -- <proof.json>\` re-runs the draw. 6. Evaluation: \`npm run verify-evaluation --
   <appendix.json>\` recomputes the result from the inputs (its SHA-256 is printed in the report).
`;
}
