package aidmap

import (
	"fmt"
	"strings"
)

// Category is the stable slug of a kind of service. Slugs never change once published: clients,
// saved links and exports depend on them.
type Category string

// The built-in taxonomy.
const (
	CategoryFoodBank         Category = "food_bank"
	CategoryFreeMeal         Category = "free_meal"
	CategoryCommunityKitchen Category = "community_kitchen"
	CategoryGrocery          Category = "grocery"
	CategoryShelter          Category = "shelter"
	CategoryDropIn           Category = "drop_in"
	CategoryOutreach         Category = "outreach"
	CategoryHygiene          Category = "hygiene"
	CategoryClinic           Category = "clinic"
	CategoryMentalHealth     Category = "mental_health"
	CategoryLegalAid         Category = "legal_aid"
	CategoryNewcomer         Category = "newcomer"
	CategoryWarmingCentre    Category = "warming_centre"
	CategoryClothing         Category = "clothing"
	CategoryOther            Category = "other"
)

// CategoryInfo describes one category for people: its slug and an English label.
type CategoryInfo struct {
	Slug  Category `json:"slug"`
	Label string   `json:"label"`
}

// categories is the taxonomy in display order. Its order also fixes each category's bit in a
// CategorySet, so append only.
var categories = []CategoryInfo{
	{CategoryFoodBank, "Food bank"},
	{CategoryFreeMeal, "Free meal"},
	{CategoryCommunityKitchen, "Community kitchen"},
	{CategoryGrocery, "Grocery or market"},
	{CategoryShelter, "Shelter"},
	{CategoryDropIn, "Drop-in"},
	{CategoryOutreach, "Outreach"},
	{CategoryHygiene, "Hygiene and showers"},
	{CategoryClinic, "Clinic"},
	{CategoryMentalHealth, "Mental health"},
	{CategoryLegalAid, "Legal aid"},
	{CategoryNewcomer, "Newcomer and settlement"},
	{CategoryWarmingCentre, "Warming or cooling centre"},
	{CategoryClothing, "Clothing"},
	{CategoryOther, "Other"},
}

var categoryBit = func() map[Category]CategorySet {
	m := make(map[Category]CategorySet, len(categories))
	for i, c := range categories {
		m[c.Slug] = 1 << uint(i)
	}
	return m
}()

// Categories returns the built-in taxonomy in display order. The caller may modify the slice.
func Categories() []CategoryInfo {
	return append([]CategoryInfo(nil), categories...)
}

// Valid reports whether c is a slug of the built-in taxonomy.
func (c Category) Valid() bool {
	_, ok := categoryBit[c]
	return ok
}

// Label returns the English label of c, or the slug itself when c is unknown.
func (c Category) Label() string {
	for _, info := range categories {
		if info.Slug == c {
			return info.Label
		}
	}
	return string(c)
}

// ParseCategory returns the category with slug s (case and surrounding space ignored).
// It returns an error wrapping ErrInvalid when s is not a known slug.
func ParseCategory(s string) (Category, error) {
	c := Category(strings.ToLower(strings.TrimSpace(s)))
	if !c.Valid() {
		return "", fmt.Errorf("unknown category %q: %w", s, ErrInvalid)
	}
	return c, nil
}

// CategorySet is a set of categories as a bit mask, so filters cost one AND on the hot path.
// The zero value is the empty set.
type CategorySet uint32

// NewCategorySet returns the set of the given categories; unknown ones are ignored.
func NewCategorySet(cs ...Category) CategorySet {
	var s CategorySet
	for _, c := range cs {
		s |= categoryBit[c]
	}
	return s
}

// Has reports whether c is in s.
func (s CategorySet) Has(c Category) bool { return s&categoryBit[c] != 0 }

// Intersects reports whether s and t share a category.
func (s CategorySet) Intersects(t CategorySet) bool { return s&t != 0 }

// Slice returns the categories of s in taxonomy order.
func (s CategorySet) Slice() []Category {
	var out []Category
	for i, c := range categories {
		if s&(1<<uint(i)) != 0 {
			out = append(out, c.Slug)
		}
	}
	return out
}
