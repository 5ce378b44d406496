-- mip6check: Wireshark/tshark dissector for the Mobile IPv6 destination options of
-- draft-ietf-mobileip-ipv6-04 (Binding Update, Binding Acknowledgement, Binding Request,
-- Home Address), with both option numberings (draft04: 195/2/3/196; draft08: 198/7/8/201).
--
-- Wireshark has no dissector table for IPv6 destination options, so this is a postdissector:
-- it walks the outermost IPv6 header chain itself and adds a "Mobile IPv6 (draft-04)" tree.
-- Usage: tshark -X lua_script:mip6-draft04.lua -r capture.pcapng -T json
--        (preference mip6d04.profile: draft04 | draft08 | both)
-- Filter names: mip6d04.bu.seq, mip6d04.ba.status, mip6d04.hao.address, ...
-- Expert info carries the wire-level property IDs of mip6check's catalog (W-*).

local p = Proto("mip6d04", "Mobile IPv6 (draft-04 options)")

local PROFILES = {
  draft04 = { bu = 195, ba = 2, br = 3, hao = 196 },
  draft08 = { bu = 198, ba = 7, br = 8, hao = 201 },
}

p.prefs.profile = Pref.enum("Option numbering", 1, "Option Type numbering profile", {
  { 1, "draft04 (BU 195, BA 2, BR 3, HAO 196)", 1 },
  { 2, "draft08 (BU 198, BA 7, BR 8, HAO 201)", 2 },
  { 3, "both", 3 },
}, false)

local f = {
  opt_type = ProtoField.uint8("mip6d04.opt.type", "Option Type", base.DEC),
  opt_len = ProtoField.uint8("mip6d04.opt.len", "Option Length", base.DEC),
  profile = ProtoField.string("mip6d04.profile", "Profile"),
  bu = ProtoField.none("mip6d04.bu", "Binding Update (§5.1)"),
  bu_a = ProtoField.bool("mip6d04.bu.a", "Acknowledge (A)", 8, nil, 0x80),
  bu_h = ProtoField.bool("mip6d04.bu.h", "Home Registration (H)", 8, nil, 0x40),
  bu_c = ProtoField.bool("mip6d04.bu.c", "Care-of Address Present (C)", 8, nil, 0x20),
  bu_res = ProtoField.uint8("mip6d04.bu.reserved", "Reserved", base.HEX, nil, 0x1f),
  bu_idlen = ProtoField.uint8("mip6d04.bu.id_length", "ID Length", base.DEC),
  bu_seq = ProtoField.uint16("mip6d04.bu.seq", "Sequence Number", base.DEC),
  bu_life = ProtoField.uint32("mip6d04.bu.lifetime", "Lifetime", base.DEC),
  bu_coa = ProtoField.ipv6("mip6d04.bu.care_of", "Care-of Address"),
  ba = ProtoField.none("mip6d04.ba", "Binding Acknowledgement (§5.2)"),
  ba_status = ProtoField.uint8("mip6d04.ba.status", "Status", base.DEC),
  ba_seq = ProtoField.uint16("mip6d04.ba.seq", "Sequence Number", base.DEC),
  ba_life = ProtoField.uint32("mip6d04.ba.lifetime", "Lifetime", base.DEC),
  ba_refresh = ProtoField.uint32("mip6d04.ba.refresh", "Refresh", base.DEC),
  br = ProtoField.none("mip6d04.br", "Binding Request (§5.3)"),
  hao = ProtoField.none("mip6d04.hao", "Home Address (§5.4)"),
  hao_addr = ProtoField.ipv6("mip6d04.hao.address", "Home Address"),
  ext = ProtoField.bytes("mip6d04.ext", "Extensions"),
}
local fl = {}
for _, v in pairs(f) do fl[#fl + 1] = v end
p.fields = fl

local ef = {
  minlen = ProtoExpert.new("mip6d04.w_bu_minlen", "W-BU-MINLEN (§5.1, §7.2)", expert.group.MALFORMED, expert.severity.ERROR),
  idlen = ProtoExpert.new("mip6d04.w_bu_idlen_zero", "W-BU-IDLEN-ZERO (§5.1)", expert.group.PROTOCOL, expert.severity.WARN),
  needs_hao = ProtoExpert.new("mip6d04.w_bu_needs_hao", "W-BU-NEEDS-HAO (§5.1, §7.2)", expert.group.PROTOCOL, expert.severity.WARN),
  bu_auth = ProtoExpert.new("mip6d04.w_bu_needs_auth", "W-BU-NEEDS-AUTH (§4.2, §5.1)", expert.group.SECURITY, expert.severity.WARN),
  ba_auth = ProtoExpert.new("mip6d04.w_ba_needs_auth", "W-BA-NEEDS-AUTH (§4.2, §5.2)", expert.group.SECURITY, expert.severity.WARN),
  ba_minlen = ProtoExpert.new("mip6d04.w_ba_minlen", "W-BA-MINLEN (§9.10)", expert.group.MALFORMED, expert.severity.ERROR),
  ba_rh = ProtoExpert.new("mip6d04.w_ba_via_rh", "W-BA-VIA-RH (§5.2, §7.5)", expert.group.PROTOCOL, expert.severity.WARN),
  ba_payload = ProtoExpert.new("mip6d04.w_ba_reject_nopayload", "W-BA-REJECT-NOPAYLOAD (§5.2)", expert.group.PROTOCOL, expert.severity.WARN),
  br_len = ProtoExpert.new("mip6d04.w_br_len", "W-BR-LEN (§5.3)", expert.group.PROTOCOL, expert.severity.NOTE),
  action = ProtoExpert.new("mip6d04.w_opt_action_bits", "W-OPT-ACTION-BITS (§5.1-§5.4)", expert.group.PROTOCOL, expert.severity.WARN),
}
p.experts = { ef.minlen, ef.idlen, ef.needs_hao, ef.bu_auth, ef.ba_auth, ef.ba_minlen, ef.ba_rh, ef.ba_payload, ef.br_len, ef.action }

local ipv6_src = Field.new("ipv6.src")

local function kind_of(t)
  local sel = p.prefs.profile
  local names = {}
  if sel == 1 or sel == 3 then names[#names + 1] = "draft04" end
  if sel == 2 or sel == 3 then names[#names + 1] = "draft08" end
  for _, name in ipairs(names) do
    local pr = PROFILES[name]
    if t == pr.bu then return "bu", name end
    if t == pr.ba then return "ba", name end
    if t == pr.br then return "br", name end
    if t == pr.hao then return "hao", name end
  end
  return nil, nil
end

local EXPECTED_ACTION = { bu = 6, hao = 6, ba = 0, br = 0 } -- top three bits: 110 / 000

local function add_option(tree, tvb, off, t, len, kind, profile, pkt)
  local sub
  local data = off + 2
  if kind == "bu" then
    sub = tree:add(f.bu, tvb(off, len + 2))
    sub:add(f.opt_type, tvb(off, 1)); sub:add(f.opt_len, tvb(off + 1, 1)); sub:add(f.profile, profile)
    if len < 8 then sub:add_proto_expert_info(ef.minlen, "Option Length " .. len .. " below 8"); return end
    local flags = tvb(data, 1):uint()
    sub:add(f.bu_a, tvb(data, 1)); sub:add(f.bu_h, tvb(data, 1)); sub:add(f.bu_c, tvb(data, 1))
    sub:add(f.bu_res, tvb(data, 1)); sub:add(f.bu_idlen, tvb(data + 1, 1))
    sub:add(f.bu_seq, tvb(data + 2, 2)); sub:add(f.bu_life, tvb(data + 4, 4))
    local fixed = 8
    if bit.band(flags, 0x20) ~= 0 then
      if len < 24 then sub:add_proto_expert_info(ef.minlen, "C set but Option Length " .. len .. " below 24"); return end
      sub:add(f.bu_coa, tvb(data + 8, 16)); fixed = 24
    end
    if bit.band(flags, 0x40) == 0 and tvb(data + 1, 1):uint() ~= 0 then
      sub:add_proto_expert_info(ef.idlen, "ID Length nonzero without the H bit")
    end
    if len > fixed then sub:add(f.ext, tvb(data + fixed, len - fixed)) end
    pkt.bu = true
  elseif kind == "ba" then
    sub = tree:add(f.ba, tvb(off, len + 2))
    sub:add(f.opt_type, tvb(off, 1)); sub:add(f.opt_len, tvb(off + 1, 1)); sub:add(f.profile, profile)
    if len < 11 then sub:add_proto_expert_info(ef.ba_minlen, "Option Length " .. len .. " below 11"); return end
    sub:add(f.ba_status, tvb(data, 1)); sub:add(f.ba_seq, tvb(data + 1, 2))
    sub:add(f.ba_life, tvb(data + 3, 4)); sub:add(f.ba_refresh, tvb(data + 7, 4))
    if len > 11 then sub:add(f.ext, tvb(data + 11, len - 11)) end
    pkt.ba = true
    pkt.ba_status = tvb(data, 1):uint()
  elseif kind == "br" then
    sub = tree:add(f.br, tvb(off, len + 2))
    sub:add(f.opt_type, tvb(off, 1)); sub:add(f.opt_len, tvb(off + 1, 1)); sub:add(f.profile, profile)
    if len ~= 0 then sub:add_proto_expert_info(ef.br_len, "Option Length " .. len .. " (MUST be 0)"); sub:add(f.ext, tvb(data, len)) end
  else
    sub = tree:add(f.hao, tvb(off, len + 2))
    sub:add(f.opt_type, tvb(off, 1)); sub:add(f.opt_len, tvb(off + 1, 1)); sub:add(f.profile, profile)
    if len < 16 then sub:add_proto_expert_info(ef.minlen, "Option Length " .. len .. " below 16"); return end
    sub:add(f.hao_addr, tvb(data, 16))
    if len > 16 then sub:add(f.ext, tvb(data + 16, len - 16)) end
    pkt.hao = true
  end
  if bit.rshift(t, 5) ~= EXPECTED_ACTION[kind] then
    sub:add_proto_expert_info(ef.action, "Option Type " .. t .. " has the wrong action bits")
  end
end

function p.dissector(tvb, pinfo, root)
  local srcs = { ipv6_src() }
  if #srcs == 0 then return end
  local ip = srcs[1].offset - 8 -- the outermost IPv6 header
  if ip < 0 or tvb:len() < ip + 40 then return end
  local nh = tvb(ip + 6, 1):uint()
  local off = ip + 40
  local tree = nil
  local pkt = { auth = false, rh = false }
  local hops = 0
  while hops < 64 do
    hops = hops + 1
    if nh == 0 or nh == 60 or nh == 43 then
      if tvb:len() < off + 2 then break end
      local hlen = (tvb(off + 1, 1):uint() + 1) * 8
      if tvb:len() < off + hlen then break end
      if nh == 43 then pkt.rh = true end
      if nh == 60 then
        local o = off + 2
        while o < off + hlen do
          local t = tvb(o, 1):uint()
          if t == 0 then o = o + 1
          else
            if o + 2 > off + hlen then break end
            local len = tvb(o + 1, 1):uint()
            if o + 2 + len > off + hlen then break end
            local kind, profile = kind_of(t)
            if kind then
              if not tree then tree = root:add(p, tvb(off, hlen)) end
              add_option(tree, tvb, o, t, len, kind, profile, pkt)
            end
            o = o + 2 + len
          end
        end
      end
      nh = tvb(off, 1):uint()
      off = off + hlen
    elseif nh == 44 then
      if tvb:len() < off + 8 then break end
      nh = tvb(off, 1):uint(); off = off + 8
    elseif nh == 51 then
      if tvb:len() < off + 2 then break end
      pkt.auth = true
      local hlen = (tvb(off + 1, 1):uint() + 2) * 4
      nh = tvb(off, 1):uint(); off = off + hlen
    elseif nh == 50 then
      pkt.auth = true; break
    else
      break
    end
  end
  if not tree then return end
  if pkt.bu and not pkt.hao then tree:add_proto_expert_info(ef.needs_hao, "Binding Update without a Home Address option") end
  if pkt.bu and not pkt.auth then tree:add_proto_expert_info(ef.bu_auth, "Binding Update without AH or ESP") end
  if pkt.ba and not pkt.auth then tree:add_proto_expert_info(ef.ba_auth, "Binding Acknowledgement without AH or ESP") end
  if pkt.ba and not pkt.rh then tree:add_proto_expert_info(ef.ba_rh, "Binding Acknowledgement without a Routing header") end
  if pkt.ba and pkt.ba_status >= 128 and nh ~= 59 then
    tree:add_proto_expert_info(ef.ba_payload, "rejecting Binding Acknowledgement carries a payload (Next Header " .. nh .. ")")
  end
end

register_postdissector(p)
