-- wrk script for scripts/bench's comparison: every request queries one point, picked at random,
-- from the fixed list that PostGIS's pgbench scripts pick from too (bench_points), so both sides
-- answer the same questions. The list is "i<TAB>lat<TAB>lon" lines written by
-- `go run ./scripts/benchchart points`.
--
-- Environment: AIDMAP_BENCH_POINTS  the points file (required)
--              AIDMAP_BENCH_QUERY   nearest10 (default): /api/v1/sites/nearest?...&limit=10
--                                   nearest10gz: the same, with Accept-Encoding: gzip
--                                   radius2km: /api/v1/sites?...&radius_m=2000&limit=100, the
--                                   first page of 100, nearest first
--                                   bbox: /api/v1/sites?bbox=...&limit=100, the first page (by
--                                   ID) of a box ±0.015° longitude, ±0.01° latitude around
--                                   the point (scripts/bench_bbox.sql)
--                                   tiles: /tiles/sites/z/x/y.mvt of the point's tile at zoom
--                                   12, 13 or 14 by i (scripts/bench_points.sql), with
--                                   Accept-Encoding: gzip as map clients send
--                                   healthz: /healthz, the floor of what an answer costs
local file = os.getenv("AIDMAP_BENCH_POINTS")
local query = os.getenv("AIDMAP_BENCH_QUERY") or "nearest10"
assert(file, "set AIDMAP_BENCH_POINTS to the points file")

-- tile returns the web-mercator tile of a point at zoom z (the formula of bench_points.sql).
local function tile(lat, lon, z)
  local n = 2 ^ z
  local r = math.rad(lat)
  local x = math.floor((lon + 180) / 360 * n)
  local y = math.floor((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)
  return x, y
end

local paths = {}
local gzip = query == "nearest10gz" or query == "tiles"
for line in io.lines(file) do
  local i, lat, lon = line:match("^(%d+)\t(%S+)\t(%S+)$")
  if lat then
    local p
    if query == "nearest10" or query == "nearest10gz" then
      p = "/api/v1/sites/nearest?lat=" .. lat .. "&lon=" .. lon .. "&limit=10"
    elseif query == "radius2km" then
      p = "/api/v1/sites?lat=" .. lat .. "&lon=" .. lon .. "&radius_m=2000&limit=100"
    elseif query == "bbox" then
      local la, lo = tonumber(lat), tonumber(lon)
      p = string.format("/api/v1/sites?bbox=%.5f,%.5f,%.5f,%.5f&limit=100", lo - 0.015, la - 0.01, lo + 0.015, la + 0.01)
    elseif query == "tiles" then
      local z = 12 + tonumber(i) % 3
      local x, y = tile(tonumber(lat), tonumber(lon), z)
      p = "/tiles/sites/" .. z .. "/" .. x .. "/" .. y .. ".mvt"
    elseif query == "healthz" then
      p = "/healthz"
    else
      error("AIDMAP_BENCH_QUERY: want nearest10, nearest10gz, radius2km, bbox, tiles or healthz, not " .. query)
    end
    paths[#paths + 1] = p
  end
end
assert(#paths > 0, "no points in " .. file)

-- The raw requests are built in init: wrk sets the Host header only after loading the script.
local requests = {}
local n = #paths
init = function(args)
  local headers = nil
  if gzip then
    headers = { ["Accept-Encoding"] = "gzip" }
  end
  for i, path in ipairs(paths) do
    requests[i] = wrk.format("GET", path, headers)
  end
  math.randomseed(42)
end

request = function()
  return requests[math.random(n)]
end
