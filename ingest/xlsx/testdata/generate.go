// Command generate writes the .xlsx fixtures of ingest/xlsx/testdata:
//
//	go run ./ingest/xlsx/testdata/generate.go ingest/xlsx/testdata
package main

import (
	"log"
	"os"
	"time"

	"github.com/xuri/excelize/v2"
)

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func main() {
	dir := os.Args[1]
	f := excelize.NewFile()
	must(f.SetSheetName("Sheet1", "Read me"))
	// An empty first sheet, a hidden one, then the list.
	_, err := f.NewSheet("Hidden")
	must(err)
	must(f.SetCellValue("Hidden", "A1", "name"))
	must(f.SetSheetVisible("Hidden", false))
	_, err = f.NewSheet("Shelters")
	must(err)
	rows := [][]any{
		{"shelter_id", "name", "city", "type", "lat", "lng", "phone", "updated", "beds", "notes"},
		{"S001", "Harbour Transition House", "Victoria", "transition_house", "48.4284", "-123.3656", "250-555-0101", time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), 12},
		{"S002", "Downtown Drop-in", "Victoria", "drop_in", 48.4251, -123.3627, "250-555-0102"},
		nil, // a blank row
		{"S003", "Hilltop Safe Home", "Duncan", "safe_home", "unknown", "unknown", "250-555-0103", nil, nil, "line one\nline two"},
	}
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		must(f.SetSheetRow("Shelters", cell, &r))
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yy as Excel shows it
	must(err)
	must(f.SetCellStyle("Shelters", "H2", "H2", style))
	// A formatted but empty cell far right must not widen the table.
	must(f.SetCellStyle("Shelters", "Z3", "Z3", style))
	_, err = f.NewSheet("Other")
	must(err)
	must(f.SetSheetRow("Other", "A1", &[]any{"name", "address", "lat", "lon"}))
	must(f.SetSheetRow("Other", "A2", &[]any{"Corner Pantry", "1 Main St", 49.28, -123.1}))
	must(f.SaveAs(dir + "/shelters.xlsx"))

	g := excelize.NewFile()
	must(g.SetSheetRow("Sheet1", "A1", &[]any{"name", "lat", "lon"}))
	must(g.SetSheetRow("Sheet1", "A2", &[]any{"A", 1.5, 2.5}))
	must(g.SaveAs(dir + "/small.xlsx"))
}
