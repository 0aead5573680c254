-- pandoc filter for the man pages made from docs/*.md: a table becomes a
-- list, one entry per row: the first cell is the tag, the other cells
-- follow it, each after its column's heading ("HDF5 type: string;
-- meaning: ..."). A man page has no room for a table of prose at 80
-- columns: tbl would warn that it is too wide, or could not break a cell.

local function inlines(cell)
  local out = pandoc.List()
  for _, block in ipairs(cell.contents) do
    if block.t == "Plain" or block.t == "Para" then
      if #out > 0 then out:insert(pandoc.Space()) end
      out:extend(block.content)
    end
  end
  return out
end

function Table(tbl)
  local heads = {}
  if tbl.head and #tbl.head.rows > 0 then
    for j, cell in ipairs(tbl.head.rows[1].cells) do
      heads[j] = pandoc.utils.stringify(cell.contents)
    end
  end
  local items = pandoc.List()
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do
      local term = inlines(row.cells[1])
      local def = pandoc.List()
      for j = 2, #row.cells do
        if #def > 0 then def:extend({pandoc.Str(";"), pandoc.Space()}) end
        if heads[j] and heads[j] ~= "" then
          def:extend({pandoc.Emph({pandoc.Str(heads[j] .. ":")}), pandoc.Space()})
        end
        def:extend(inlines(row.cells[j]))
      end
      items:insert({term, {pandoc.Plain(def)}})
    end
  end
  return pandoc.DefinitionList(items)
end
